import { BugCheck, hex, KMODE_EXCEPTION_NOT_HANDLED } from '../kernel/bugcheck';
import { TICKS_PER_KE_TICK, TICKS_PER_MILLISECOND, TICKS_PER_SECOND } from '../kernel/clock';
import { DISPATCH_LEVEL, HIGH_LEVEL } from '../kernel/irql';
import type { DriverMemory } from '../memory/driver-memory';
import { siteFields, type Session } from '../session/session';
import { args, defineImports } from './imports';
import { K } from './status';

/**
 * Debug output, the error log, time and version queries, and the driver's own stops
 * (DbgBreakPoint, ASSERT, KeBugCheckEx).
 */

/** KeQueryPerformanceCounter's frequency: one count per 100 ns tick. */
export const PERFORMANCE_FREQUENCY = TICKS_PER_SECOND;
/** The processor's cache line, what NdisGetSharedDataAlignment reports. */
const CACHE_LINE = 64;
const STATUS_BREAKPOINT = 0x80000003;

/** Reads the promoted variadic arguments clang puts in a buffer on wasm32 (each aligned to its size). */
class VaList {
  constructor(
    private readonly memory: DriverMemory,
    private at: number,
  ) {}

  int(): number {
    this.at = (this.at + 3) & ~3;
    const value = this.memory.u32(this.at);
    this.at += 4;
    return value;
  }

  int64(): bigint {
    this.at = (this.at + 7) & ~7;
    const value = this.memory.u64(this.at);
    this.at += 8;
    return value;
  }

  double(): number {
    this.at = (this.at + 7) & ~7;
    const bytes = this.memory.read(this.at, 8);
    this.at += 8;
    return new DataView(bytes.buffer).getFloat64(0, true);
  }
}

function wideString(memory: DriverMemory, address: number, maxChars = 4096): string {
  let text = '';
  for (let i = 0; i < maxChars; i++) {
    const unit = memory.u16(address + 2 * i);
    if (unit === 0) break;
    text += String.fromCharCode(unit);
  }
  return text;
}

function pad(text: string, width: number, left: boolean, fill = ' '): string {
  if (text.length >= width) return text;
  const padding = fill.repeat(width - text.length);
  if (left) return text + padding;
  // Zero padding goes after the sign or 0x prefix.
  if (fill === '0') {
    const prefix = /^([+\- ]?(?:0[xX])?)/.exec(text)?.[1] ?? '';
    return prefix + padding + text.slice(prefix.length);
  }
  return padding + text;
}

/**
 * printf as the kernel's DbgPrint implements it, over the wasm32 variadic buffer: flags - + space
 * # 0, width and precision (numbers or *), sizes h hh l ll I I32 I64 w z j t L, conversions
 * d i u x X o c C s S Z (ANSI_STRING) wZ (UNICODE_STRING) p e E f g G a A %. Pointers are 32 bits.
 */
export function formatPrintf(memory: DriverMemory, format: string, vaPointer: number): string {
  const va = new VaList(memory, vaPointer);
  let out = '';
  let i = 0;
  while (i < format.length) {
    const ch = format[i]!;
    if (ch !== '%') {
      out += ch;
      i++;
      continue;
    }
    const start = i;
    i++;
    let flags = '';
    while (i < format.length && '-+ #0'.includes(format[i]!)) flags += format[i++];
    let width = 0;
    if (format[i] === '*') {
      width = va.int() | 0;
      if (width < 0) {
        flags += '-';
        width = -width;
      }
      i++;
    } else {
      while (i < format.length && /\d/.test(format[i]!)) width = width * 10 + Number(format[i++]);
    }
    let precision: number | undefined;
    if (format[i] === '.') {
      i++;
      precision = 0;
      if (format[i] === '*') {
        precision = va.int() | 0;
        if (precision < 0) precision = undefined;
        i++;
      } else {
        while (i < format.length && /\d/.test(format[i]!)) precision = precision * 10 + Number(format[i++]);
      }
    }
    let size = '';
    const rest = format.slice(i);
    const sizeMatch = /^(I64|I32|hh|ll|h|l|I|w|z|j|t|L|q)/.exec(rest);
    if (sizeMatch) {
      size = sizeMatch[1]!;
      i += size.length;
    }
    const conversion = format[i];
    i++;
    if (conversion === undefined) {
      out += format.slice(start);
      break;
    }
    const left = flags.includes('-');
    const zero = flags.includes('0') && !left;
    const wide64 = size === 'll' || size === 'I64' || size === 'L' || size === 'q' || size === 'j';
    switch (conversion) {
      case '%':
        out += '%';
        break;
      case 'd':
      case 'i': {
        let value: bigint = wide64 ? BigInt.asIntN(64, va.int64()) : BigInt(va.int() | 0);
        if (size === 'h') value = BigInt.asIntN(16, value);
        if (size === 'hh') value = BigInt.asIntN(8, value);
        out += number(value < 0n ? -value : value, 10, false, value < 0n ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '', '', width, precision, left, zero);
        break;
      }
      case 'u':
      case 'x':
      case 'X':
      case 'o': {
        let value: bigint = wide64 ? va.int64() : BigInt(va.int() >>> 0);
        if (size === 'h') value = BigInt.asUintN(16, value);
        if (size === 'hh') value = BigInt.asUintN(8, value);
        const base = conversion === 'u' ? 10 : conversion === 'o' ? 8 : 16;
        const prefix = flags.includes('#') && value !== 0n ? (conversion === 'x' ? '0x' : conversion === 'X' ? '0X' : conversion === 'o' ? '0' : '') : '';
        out += number(value, base, conversion === 'X', '', prefix, width, precision, left, zero);
        break;
      }
      case 'p': {
        const value = va.int();
        out += pad(value.toString(16).toUpperCase().padStart(8, '0'), width, left);
        break;
      }
      case 'c':
      case 'C': {
        const code = va.int();
        out += pad(String.fromCharCode(conversion === 'C' || size === 'l' || size === 'w' ? code & 0xffff : code & 0xff), width, left);
        break;
      }
      case 's':
      case 'S': {
        const pointer = va.int();
        const wide = conversion === 'S' || size === 'l' || size === 'w';
        let text = pointer === 0 ? '(null)' : wide ? wideString(memory, pointer) : memory.cString(pointer);
        if (precision !== undefined) text = text.slice(0, precision);
        out += pad(text, width, left);
        break;
      }
      case 'Z': {
        // %Z: PANSI_STRING; %wZ: PUNICODE_STRING (both counted, not NUL-terminated).
        const pointer = va.int();
        let text: string;
        if (pointer === 0) text = '(null)';
        else if (size === 'w') text = memory.unicodeString(pointer);
        else {
          const length = memory.field('STRING', pointer, 'Length');
          const buffer = memory.field('STRING', pointer, 'Buffer');
          text = length === 0 ? '' : new TextDecoder('latin1').decode(memory.read(buffer, length));
        }
        if (precision !== undefined) text = text.slice(0, precision);
        out += pad(text, width, left);
        break;
      }
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G':
      case 'a':
      case 'A': {
        const value = va.double();
        out += pad(formatFloat(value, conversion, precision, flags), width, left, zero ? '0' : ' ');
        break;
      }
      case 'n':
        // %n writes nothing through DbgPrint; its argument is consumed.
        va.int();
        break;
      default:
        out += format.slice(start, i);
    }
  }
  return out;
}

function number(value: bigint, base: number, upper: boolean, sign: string, prefix: string, width: number, precision: number | undefined, left: boolean, zero: boolean): string {
  let digits = value.toString(base);
  if (upper) digits = digits.toUpperCase();
  if (precision !== undefined) digits = precision === 0 && value === 0n ? '' : digits.padStart(precision, '0');
  const body = sign + prefix + digits;
  return pad(body, width, left, zero && precision === undefined ? '0' : ' ');
}

function formatFloat(value: number, conversion: string, precision: number | undefined, flags: string): string {
  const p = precision ?? 6;
  let text: string;
  if (!Number.isFinite(value)) text = Number.isNaN(value) ? 'nan' : value < 0 ? '-inf' : 'inf';
  else if (conversion === 'f' || conversion === 'F') text = value.toFixed(p);
  else if (conversion === 'e' || conversion === 'E') text = value.toExponential(p).replace(/e([+-])(\d)$/, 'e$10$2');
  else if (conversion === 'a' || conversion === 'A') text = value.toString(16);
  else {
    const significant = p === 0 ? 1 : p;
    const exponent = value === 0 ? 0 : Math.floor(Math.log10(Math.abs(value)));
    text = exponent < -4 || exponent >= significant ? value.toExponential(significant - 1).replace(/e([+-])(\d)$/, 'e$10$2') : value.toFixed(Math.max(0, significant - 1 - exponent));
    if (!flags.includes('#') && text.includes('.')) text = text.replace(/\.?0+(e|$)/, '$1');
  }
  if (conversion === 'E' || conversion === 'G' || conversion === 'A' || conversion === 'F') text = text.toUpperCase();
  if (value >= 0 && flags.includes('+')) text = `+${text}`;
  else if (value >= 0 && flags.includes(' ')) text = ` ${text}`;
  return text;
}

function print(session: Session, format: number, va: number): number {
  const text = formatPrintf(session.memory, session.memory.cString(format), va);
  session.emit({ kind: 'debug.print', text, ...siteFields(session.site()) });
  return 0; // STATUS_SUCCESS
}

function writeI64(session: Session, address: number, value: bigint): void {
  session.memory.setU64(address, value);
}

function errorLogs(session: Session): Map<number, number> {
  return session.state('errorlog', () => new Map<number, number>());
}

/** How many NdisWriteErrorLogEntry calls named this handle (for the init-failure checks). */
export function errorLogCount(session: Session, handle: number): number {
  return errorLogs(session).get(handle) ?? 0;
}

defineImports([
  {
    name: 'DbgPrint',
    args: args('Format:ptr'),
    result: 'u32',
    quiet: true,
    impl: (session, [format, va]) => print(session, format!, va!),
  },
  {
    name: 'DbgPrintEx',
    args: args('ComponentId:u32', 'Level:u32', 'Format:ptr'),
    result: 'u32',
    quiet: true,
    impl: (session, [, , format, va]) => print(session, format!, va!),
  },
  {
    name: 'NdisWriteErrorLogEntry',
    args: args('NdisAdapterHandle:handle', 'ErrorCode:hex', 'NumberOfErrorValues:u32'),
    result: 'void',
    maxIrql: DISPATCH_LEVEL,
    impl(session, [handle, code, count, va]) {
      const list = new VaList(session.memory, va!);
      const values: number[] = [];
      for (let i = 0; i < (count! >>> 0) && i < 64; i++) values.push(list.int());
      errorLogs(session).set(handle!, errorLogCount(session, handle!) + 1);
      session.emit({ kind: 'error.log', code: code! >>> 0, values, ...siteFields(session.site()) });
    },
  },
  {
    name: 'NdisGetCurrentSystemTime',
    args: args('pSystemTime:ptr'),
    result: 'void',
    impl: (session, [out]) => writeI64(session, out!, session.kernel.clock.systemTime()),
  },
  {
    name: 'KeQuerySystemTime',
    args: args('CurrentTime:ptr'),
    result: 'void',
    impl: (session, [out]) => writeI64(session, out!, session.kernel.clock.systemTime()),
  },
  {
    name: 'NdisGetSystemUpTimeEx',
    args: args('pSystemUpTime:ptr'),
    result: 'void',
    maxIrql: HIGH_LEVEL,
    // Milliseconds since the system started.
    impl: (session, [out]) => writeI64(session, out!, BigInt(Math.floor(session.now / TICKS_PER_MILLISECOND))),
  },
  {
    name: 'KeQueryTickCount',
    args: args('CurrentCount:ptr'),
    result: 'void',
    impl: (session, [out]) => writeI64(session, out!, BigInt(session.kernel.clock.keTickCount())),
  },
  {
    name: 'KeQueryTimeIncrement',
    args: args(),
    result: 'u32',
    impl: () => TICKS_PER_KE_TICK,
  },
  {
    name: 'KeQueryInterruptTime',
    args: args(),
    result: 'i64',
    impl: (session) => BigInt(session.now),
  },
  {
    name: 'KeQueryPerformanceCounter',
    // LARGE_INTEGER result: returned through a hidden first pointer.
    args: args('Result:ptr', 'PerformanceFrequency:ptr'),
    result: 'void',
    impl(session, [result, frequency]) {
      if (frequency !== 0) writeI64(session, frequency!, BigInt(PERFORMANCE_FREQUENCY));
      writeI64(session, result!, BigInt(session.now));
    },
  },
  {
    name: 'NdisGetVersion',
    args: args(),
    result: 'u32',
    maxIrql: DISPATCH_LEVEL,
    // Major version in the high 16 bits, minor in the low 16 bits: NDIS 6.87.
    impl: () => K.NDIS_RUNTIME_VERSION_687,
  },
  {
    name: 'NdisGetSharedDataAlignment',
    args: args(),
    result: 'u32',
    maxIrql: DISPATCH_LEVEL,
    impl: () => CACHE_LINE,
  },
  {
    name: 'KeGetCurrentProcessorNumber',
    args: args(),
    result: 'u32',
    impl: () => 0,
  },
  {
    name: 'KeGetCurrentProcessorNumberEx',
    args: args('ProcNumber:ptr'),
    result: 'u32',
    impl(session, [out]) {
      if (out !== 0) session.memory.fill(out!, session.memory.sizeOf('PROCESSOR_NUMBER'), 0);
      return 0;
    },
  },
  {
    name: 'KeQueryActiveProcessorCount',
    args: args('ActiveProcessors:ptr'),
    result: 'u32',
    impl(session, [out]) {
      if (out !== 0) session.memory.setU32(out!, 1);
      return 1;
    },
  },
  {
    name: 'DbgBreakPoint',
    args: args(),
    result: 'void',
    impl(session) {
      throw new BugCheck(KMODE_EXCEPTION_NOT_HANDLED, [STATUS_BREAKPOINT, 0, 0, 0], 'DbgBreakPoint: a breakpoint with no kernel debugger attached (STATUS_BREAKPOINT)', 'BREAKPOINT', session.site());
    },
  },
  {
    name: 'RtlAssert',
    args: args('VoidFailedAssertion:ptr', 'VoidFileName:ptr', 'LineNumber:u32', 'MutableMessage:ptr'),
    result: 'void',
    impl(session, [expression, file, line, message]) {
      const m = session.memory;
      const text = `${message !== 0 ? `${m.cString(message!)}: ` : ''}ASSERT(${m.cString(expression!)}) failed at ${m.cString(file!)}:${line! >>> 0}`;
      session.labStop('ASSERT', text);
    },
  },
  {
    name: 'KeBugCheckEx',
    args: args('BugCheckCode:hex', 'BugCheckParameter1:hex', 'BugCheckParameter2:hex', 'BugCheckParameter3:hex', 'BugCheckParameter4:hex'),
    result: 'void',
    impl(session, [code, p1, p2, p3, p4]) {
      throw new BugCheck(code! >>> 0, [p1! >>> 0, p2! >>> 0, p3! >>> 0, p4! >>> 0], `the driver called KeBugCheckEx(${hex(code!)})`, 'KeBugCheckEx', session.site());
    },
  },
]);
