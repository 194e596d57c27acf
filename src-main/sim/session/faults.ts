/**
 * Which NDIS calls fail on purpose. `Api@N`: the Nth call of Api fails with its documented failure.
 * Systematic mode (like Driver Verifier's): each distinct call site fails the first time it is seen,
 * across repeated runs; the plan remembers which sites have failed already.
 */
export type FaultSpec = { kind: 'nth'; api: string; n: number } | { kind: 'systematic' };

export function parseFault(text: string): FaultSpec {
  if (text === 'systematic') return { kind: 'systematic' };
  const match = /^([A-Za-z_]\w*)@(\d+)$/.exec(text);
  if (!match || Number(match[2]) < 1) throw new Error(`a fault is Api@N (N from 1) or "systematic", got "${text}"`);
  return { kind: 'nth', api: match[1]!, n: Number(match[2]) };
}

export function formatFault(spec: FaultSpec): string {
  return spec.kind === 'systematic' ? 'systematic' : `${spec.api}@${spec.n}`;
}

export class FaultPlan {
  private readonly calls = new Map<string, number>();
  private targetHit = false;
  /** Fallible call sites in the order this run first reached them ('Api@offset'). */
  readonly sitesSeen: string[] = [];
  private readonly seen = new Set<string>();
  /** Calls this plan made fail so far. */
  injected = 0;

  /**
   * @param systematicTarget in systematic mode, the one call site ('Api@offset') this run fails,
   *   the first time it is reached; the caller walks the sites across runs.
   */
  constructor(
    readonly specs: readonly FaultSpec[],
    readonly systematicTarget?: string,
  ) {}

  /** Counts a call of a fallible API; true when this call must fail. */
  shouldFail(api: string, siteOffset: () => number): { fail: boolean; call: number } {
    const call = (this.calls.get(api) ?? 0) + 1;
    this.calls.set(api, call);
    const siteKey = `${api}@${siteOffset()}`;
    if (!this.seen.has(siteKey)) {
      this.seen.add(siteKey);
      this.sitesSeen.push(siteKey);
    }
    for (const spec of this.specs) {
      if (spec.kind === 'nth' && spec.api === api && spec.n === call) {
        this.injected++;
        return { fail: true, call };
      }
    }
    if (!this.targetHit && siteKey === this.systematicTarget) {
      this.targetHit = true;
      this.injected++;
      return { fail: true, call };
    }
    return { fail: false, call };
  }
}
