import { BugCheck } from '../kernel/bugcheck';
import { driverOffsetsOf } from '../session/source-site';
import { args, defineImports, runNullDereferenceChecks } from './imports';

/**
 * The lab's C runtime (resources/runtime/ndislab_crt.c) reports a NULL buffer passed to memset,
 * memcpy, memmove or memcmp (RtlZeroMemory, NdisMoveMemory and struct copies end up there). The
 * runtime has no line table, so the site is the first driver frame that has one: the caller.
 */
defineImports([
  {
    name: 'NdisLabCrtNullBuffer',
    args: args('Function:ptr', 'Count:u32'),
    result: 'void',
    quiet: true,
    impl(session, [fn, count]) {
      const what = session.memory.cString(fn!, 64);
      const site = driverOffsetsOf(new Error()).map((o) => session.site(o)).find((s) => s !== undefined);
      runNullDereferenceChecks(session);
      throw new BugCheck(0x50, [0, 1, 0, 0], `${what} of ${count} byte(s) through a NULL pointer`, 'UB-NULL', site);
    },
  },
]);
