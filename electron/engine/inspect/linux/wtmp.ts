import type { LoginRecord } from '../../../../shared/contract/models/inspection';

/**
 * /var/log/wtmp as glibc writes it on x86-64 (struct utmp in <bits/utmp.h>): fixed 384-byte
 * records, little endian. The 64-bit ABI keeps 32-bit seconds (__WORDSIZE_TIME64_COMPAT32), so
 * the layout is the same as on i386 and `last` on the host reads it unchanged.
 *
 *   0 ut_type (short, 2 bytes of padding)   4 ut_pid       8 ut_line[32]    40 ut_id[4]
 *  44 ut_user[32]   76 ut_host[256]   332 ut_exit (2 shorts)   336 ut_session
 * 340 ut_tv.tv_sec (int32)   344 ut_tv.tv_usec (int32)   348 ut_addr_v6[4]   364 reserved[20]
 */
export const UTMP_RECORD_SIZE = 384;
/** ut_type of a login session (the records `last` lists with a user name). */
export const USER_PROCESS = 7;
/** The report keeps this many logins (the contract's "at most 50"). */
export const MAX_LOGINS = 50;
/**
 * How many records to read from the end of wtmp: every login also writes a logout (DEAD_PROCESS)
 * and every boot a reboot and runlevel record, so 50 logins need a few hundred records; 2000
 * (750 KiB) leaves room for noisy guests and stays one cheap transfer.
 */
export const WTMP_TAIL_RECORDS = 2000;

export interface UtmpRecord {
  type: number;
  pid: number;
  line: string;
  id: string;
  user: string;
  host: string;
  session: number;
  /** Seconds and microseconds since the epoch, as recorded. */
  sec: number;
  usec: number;
}

/** Where to start reading and how much, for a wtmp of `size` bytes: whole records from its end. */
export function wtmpTail(size: number, records = WTMP_TAIL_RECORDS): { offset: number; size: number } {
  const whole = Math.floor(Math.max(0, size) / UTMP_RECORD_SIZE);
  const take = Math.min(whole, records);
  return { offset: (whole - take) * UTMP_RECORD_SIZE, size: take * UTMP_RECORD_SIZE };
}

/** Every whole record in `data` (a trailing partial record, as a crash mid-write leaves, is ignored). */
export function parseUtmp(data: Uint8Array): UtmpRecord[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: UtmpRecord[] = [];
  for (let at = 0; at + UTMP_RECORD_SIZE <= buf.length; at += UTMP_RECORD_SIZE) {
    out.push({
      type: buf.readInt16LE(at),
      pid: buf.readInt32LE(at + 4),
      line: cString(buf, at + 8, 32),
      id: cString(buf, at + 40, 4),
      user: cString(buf, at + 44, 32),
      host: cString(buf, at + 76, 256),
      session: buf.readInt32LE(at + 336),
      sec: buf.readInt32LE(at + 340),
      usec: buf.readInt32LE(at + 344),
    });
  }
  return out;
}

/** The logins `last` would list first: USER_PROCESS records with a user, newest first, at most `max`. */
export function recentLogins(data: Uint8Array, max = MAX_LOGINS): LoginRecord[] {
  return parseUtmp(data)
    .map((r, index) => ({ r, index }))
    .filter(({ r }) => r.type === USER_PROCESS && r.user !== '')
    // Newest first by time; records with the same time keep wtmp's order, reversed (as `last` reads it).
    .sort((a, b) => b.r.sec - a.r.sec || b.r.usec - a.r.usec || b.index - a.index)
    .slice(0, max)
    .map(({ r }) => ({ user: r.user, line: r.line, host: r.host === '' ? null : r.host, at: new Date(r.sec * 1000 + Math.floor(r.usec / 1000)).toISOString() }));
}

/** A fixed-size field: up to the first NUL (the field need not hold one when full). */
function cString(buf: Buffer, start: number, length: number): string {
  const field = buf.subarray(start, start + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? length : nul).toString('utf8');
}
