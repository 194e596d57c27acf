import { describe, expect, it } from 'vitest';
import { CHECKER_RULES } from '../sim/checker/catalog';
import { isDocumentationUrl } from './external-links';

describe('isDocumentationUrl', () => {
  it('lets the documentation of every checker rule open in the browser', () => {
    const docs = CHECKER_RULES.flatMap((rule) => rule.docs);
    expect(docs.length).toBeGreaterThan(10);
    for (const doc of docs) expect(isDocumentationUrl(doc), doc).toBe(true);
  });

  it('refuses anything else: other hosts, plain http, credentials, other ports, look-alikes, nonsense', () => {
    for (const url of [
      'http://learn.microsoft.com/windows-hardware/drivers/',
      'https://learn.microsoft.com.evil.example/',
      'https://evil.example/?learn.microsoft.com',
      'https://user:pw@learn.microsoft.com/',
      'https://learn.microsoft.com:8443/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'not a url',
    ]) {
      expect(isDocumentationUrl(url), url).toBe(false);
    }
  });
});
