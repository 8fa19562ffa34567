/**
 * DescribeAccountSettings / UpdateAccountSettings: the minimum throughput billing commitment, as
 * the API reference describes its states. Enabling starts a commitment of at least 24 hours;
 * disabling before its earliest end schedules the end (ENABLED_UNTIL_EARLIEST_ALLOWED_END) and
 * enabling again cancels that; after it, disabling ends it at once. Kept in the manifest. A new
 * account is DISABLED (AWS does not say; the commitment is opt-in).
 */
import type { SharedClock } from '../shard/clock.js';
import type { StoredAccount } from '../log/manifest.js';

const DAY_MS = 86_400_000;
export const COMMITMENT = { ENABLED: 'ENABLED', DISABLED: 'DISABLED', ENDING: 'ENABLED_UNTIL_EARLIEST_ALLOWED_END' } as const;

export interface CommitmentOut {
  Status: string;
  StartedAt?: Date;
  EndedAt?: Date;
  EarliestAllowedEndAt?: Date;
}

export class AccountSettings {
  constructor(
    private readonly state: () => StoredAccount,
    private readonly clock: SharedClock,
    private readonly persist: () => void,
  ) {}

  /** The commitment now (a scheduled end that has come is applied first). */
  describe(): CommitmentOut {
    const c = this.settle();
    if (c === undefined) return { Status: COMMITMENT.DISABLED };
    return {
      Status: c.status,
      ...(c.startedMs === undefined ? {} : { StartedAt: new Date(c.startedMs) }),
      ...(c.endedMs === undefined ? {} : { EndedAt: new Date(c.endedMs) }),
      ...(c.earliestEndMs === undefined ? {} : { EarliestAllowedEndAt: new Date(c.earliestEndMs) }),
    };
  }

  /** Whether warm throughput is available: a commitment in force (also while its end is scheduled). */
  get committed(): boolean {
    const s = this.settle()?.status;
    return s === COMMITMENT.ENABLED || s === COMMITMENT.ENDING;
  }

  update(status: 'ENABLED' | 'DISABLED'): CommitmentOut {
    const account = this.state();
    const now = this.clock.now();
    const c = this.settle();
    if (status === COMMITMENT.ENABLED) {
      if (c?.status === COMMITMENT.ENDING) account.commitment = { ...c, status: COMMITMENT.ENABLED };
      else if (c?.status !== COMMITMENT.ENABLED) account.commitment = { status: COMMITMENT.ENABLED, startedMs: now, earliestEndMs: now + DAY_MS };
    } else if (c !== undefined && c.status !== COMMITMENT.DISABLED) {
      if (c.earliestEndMs !== undefined && now < c.earliestEndMs) account.commitment = { ...c, status: COMMITMENT.ENDING };
      else account.commitment = { ...c, status: COMMITMENT.DISABLED, endedMs: now };
    }
    this.persist();
    return this.describe();
  }

  private settle(): StoredAccount['commitment'] {
    const account = this.state();
    const c = account.commitment;
    if (c?.status === COMMITMENT.ENDING && c.earliestEndMs !== undefined && this.clock.now() >= c.earliestEndMs) {
      account.commitment = { ...c, status: COMMITMENT.DISABLED, endedMs: c.earliestEndMs };
      this.persist();
    }
    return account.commitment;
  }
}
