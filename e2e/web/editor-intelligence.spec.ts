import type { Locator } from '@playwright/test';
import { screenshots, watchForErrors } from '../support/page';
import { expect, test } from '../support/web-host';

const DRIVER = [
  '#define NDIS_MINIPORT_DRIVER 1',
  '#define NDIS620_MINIPORT 1',
  '#include <ndis.h>',
  '',
  'NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)',
  '{',
  '    NDIS_MINIPORT_DRIVER_CHARACTERISTICS chars;',
  '    NDIS_HANDLE handle;',
  '    NdisZeroMemory(&chars, sizeof(chars));',
  '    return ',
].join('\n');

const snapshot = screenshots('web-editor');

/** The middle of the first occurrence of `text` on the editor's screen (tokens of one colour share a span). */
async function pointAt(editor: Locator, text: string): Promise<{ x: number; y: number }> {
  const point = await editor.locator('.view-lines').evaluate((root, wanted) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = (node.textContent ?? '').indexOf(wanted);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + wanted.length);
      const box = range.getBoundingClientRect();
      return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    }
    return null;
  }, text);
  if (!point) throw new Error(`${text} is not on the editor's screen`);
  return point;
}

test.describe('the C editor knows the lab headers', () => {
  test('completes, describes, helps with arguments and opens headers read-only', async ({ page, webHost }, testInfo) => {
    const problems = watchForErrors(page);
    await page.goto(webHost.url);
    const editor = page.getByTestId('editor');
    await expect(editor.locator('.monaco-editor')).toBeVisible();
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(DRIVER);

    // Completion: the function, its parameters and our description.
    await page.keyboard.type('NdisMRegisterMin');
    const suggest = page.locator('.suggest-widget');
    const item = suggest.locator('.monaco-list-row', { hasText: 'NdisMRegisterMiniportDriver' }).first();
    await expect(item).toBeVisible();
    await expect(item.locator('.details-label')).toContainText("Registers the miniport's entry points");
    await expect(item.locator('.details-label')).toBeVisible();
    // Ctrl+Space shows the item's details: declaration, description and page.
    await page.keyboard.press('Control+Space');
    const details = page.locator('.suggest-details');
    await expect(details).toContainText('_In_opt_ NDIS_HANDLE MiniportDriverContext');
    await expect(details).toContainText('IRQL: PASSIVE_LEVEL');
    await expect(details.locator('a', { hasText: 'learn.microsoft.com' })).toBeVisible();
    await snapshot(page, testInfo, 'completion');

    // Accepting it opens the argument list with signature help on the first parameter.
    await page.keyboard.press('Enter');
    const hints = page.locator('.parameter-hints-widget');
    await expect(hints).toBeVisible();
    await expect(hints).toContainText('NDIS_STATUS NdisMRegisterMiniportDriver(_In_ PDRIVER_OBJECT DriverObject');
    await expect(hints.locator('.parameter.active')).toHaveText('_In_ PDRIVER_OBJECT DriverObject');
    await page.keyboard.type('DriverObject, RegistryPath, ');
    await expect(hints.locator('.parameter.active')).toHaveText('_In_opt_ NDIS_HANDLE MiniportDriverContext');
    await expect(hints).toContainText('[in, optional] NDIS_HANDLE');
    await snapshot(page, testInfo, 'signature-help');
    await page.keyboard.type('NULL, &chars, &handle');
    await page.keyboard.press('Escape');
    await page.keyboard.press('End');
    await page.keyboard.type(';');

    // Hover: declaration, description, IRQL and the learn.microsoft.com page.
    const name = await pointAt(editor, 'NdisMRegisterMiniportDriver');
    const hover = page.locator('.monaco-hover:visible');
    // Monaco shows a hover after the mouse rests on a word; a busy machine can miss the first rest.
    await expect(async () => {
      await page.mouse.move(name.x - 60, name.y + 60);
      await page.mouse.move(name.x, name.y, { steps: 5 });
      await expect(hover).toContainText('NDIS_STATUS NdisMRegisterMiniportDriver(', { timeout: 3000 });
    }).toPass({ timeout: 30_000 });
    await expect(hover).toContainText('IRQL: PASSIVE_LEVEL');
    const link = hover.locator('a', { hasText: 'learn.microsoft.com' });
    await expect(link).toBeVisible();
    const href = await link.evaluate((a) => a.getAttribute('data-href') ?? a.getAttribute('href'));
    expect(href).toBe('https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ndis/nf-ndis-ndismregisterminiportdriver');
    await snapshot(page, testInfo, 'hover');

    // The hover's header link opens the declaration in the read-only header viewer.
    await hover.locator('a', { hasText: 'ndis/miniport.h:' }).click();
    const viewer = page.getByTestId('header-viewer');
    await expect(viewer).toBeVisible();
    await expect(page.getByTestId('header-viewer-title')).toHaveText('ndis/miniport.h — lab header, read-only');
    await page.getByRole('button', { name: 'Close (Esc)' }).click();
    await expect(viewer).toHaveCount(0);

    // Go to definition: the header opens read-only over the file, at the declaration; Escape returns.
    await page.mouse.move(0, 0);
    await page.mouse.click(name.x, name.y);
    await page.keyboard.press('F12');
    await expect(viewer).toBeVisible();
    await expect(page.getByTestId('header-viewer-title')).toHaveText('ndis/miniport.h — lab header, read-only');
    await expect(viewer.locator('.view-lines')).toContainText('NDIS_STATUS NdisMRegisterMiniportDriver(');
    await snapshot(page, testInfo, 'header-definition');
    await page.keyboard.press('Escape');
    await expect(viewer).toHaveCount(0);
    await expect(editor.locator('.view-lines')).toContainText('return NdisMRegisterMiniportDriver(DriverObject, RegistryPath, NULL, &chars, &handle);');

    // Member completion: the fields of the variable's structure, in declaration order.
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('chars.');
    await expect(suggest.locator('.monaco-list-row').first()).toContainText('Header');
    await expect(suggest.locator('.monaco-list-row', { hasText: 'MajorNdisVersion' })).toBeVisible();
    await snapshot(page, testInfo, 'member-completion');
    await page.keyboard.press('Escape');
    expect(problems).toEqual([]);
  });
});
