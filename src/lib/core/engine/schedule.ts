import type {
  EngagementSettings,
  MaintenanceWindow,
  PatchGap,
  RemediationWave,
  ScheduleMiss,
  ScheduleSettings,
  WaveKind
} from '../model';

/**
 * The remediation schedule: waves of work in maintenance windows, following patch-management practice (test on a
 * pilot ring, then roll out broadly, servers in their own window, emergencies out of cycle ahead of everything).
 * docs/schedule.md explains the rules for people; each rule is restated where it is applied below.
 *
 * Local date-times are handled as "naive minutes" (minutes since 1970-01-01T00:00 read as wall-clock time in the
 * site's time zone): a maintenance window of Tue 18:00–22:00 is 18:00–22:00 on the client's clocks whatever the
 * daylight-saving offset is that day. Only the calendar export turns them into UTC instants (see `zonedToUtc`).
 */

/** An asset as the scheduler needs it. */
export interface ScheduleAsset {
  id: string;
  hostname: string;
  role: 'server' | 'workstation' | 'network' | 'other' | 'unknown';
  /** e.g. "windows 10.0.19045" or "ubuntu 22.04": used to pick representative pilots. */
  osKey: string;
  /** Technician's choice from AssetContext.pilot: true puts it in the pilot ring, false keeps it out. */
  pilot?: boolean;
}

export interface ScheduleInput {
  /** The assessment's as-of date ("YYYY-MM-DD", or an ISO timestamp read in the site's time zone). */
  asOf: string;
  assets: ScheduleAsset[];
  gaps: PatchGap[];
  settings: EngagementSettings;
  /** The plan computed before, so that locked waves keep their machines and moves can name its waves. */
  previous?: RemediationWave[];
}

export interface Schedule {
  waves: RemediationWave[];
  misses: ScheduleMiss[];
}

const DAY = 1440;
const MS_PER_MINUTE = 60_000;
/** Emergency waves start at this local time on each out-of-cycle day. */
const EMERGENCY_START = 8 * 60;
/** How far ahead window occurrences are generated when counting the windows before a due date. */
const MAX_HORIZON_DAYS = 366 * 20;

type Group = 'emergency' | 'workstations' | 'servers';
const KIND_ORDER: Record<WaveKind, number> = { emergency: 0, pilot: 1, workstations: 2, servers: 3 };
const WEEKDAY_INDEX: Record<MaintenanceWindow['days'][number], number> = {
  sun: 0,
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6
};
const WEEKDAY_NAME = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

// ---------------------------------------------------------------------------------------------------------------
// Dates, local times and time zones

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/** Day number (days since 1970-01-01) of "YYYY-MM-DD", or undefined when it is not a real date. */
function dayOf(date: string): number | undefined {
  const m = DATE_RE.exec(date);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const day = ms / (DAY * MS_PER_MINUTE);
  return dateOf(day) === date ? day : undefined;
}

function dateOf(day: number): string {
  return new Date(day * DAY * MS_PER_MINUTE).toISOString().slice(0, 10);
}

/** Naive local minutes → "YYYY-MM-DDTHH:mm". */
function localOf(minutes: number): string {
  return new Date(minutes * MS_PER_MINUTE).toISOString().slice(0, 16);
}

/** "YYYY-MM-DDTHH:mm" → naive local minutes, or undefined. */
function minutesOf(local: string): number | undefined {
  const m = LOCAL_RE.exec(local);
  if (!m) return undefined;
  const day = dayOf(`${m[1]}-${m[2]}-${m[3]}`);
  const h = Number(m[4]);
  const min = Number(m[5]);
  if (day === undefined || h > 23 || min > 59) return undefined;
  return day * DAY + h * 60 + min;
}

function timeOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat | undefined {
  let f = formatters.get(timeZone);
  if (f) return f;
  try {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit'
    });
  } catch {
    return undefined;
  }
  formatters.set(timeZone, f);
  return f;
}

/** Whether the runtime knows this IANA time zone ("Europe/Berlin", "UTC"). */
export function isValidTimeZone(timeZone: string): boolean {
  return formatterFor(timeZone) !== undefined;
}

/** Wall-clock time in `timeZone` at the UTC instant `utcMs`, as naive milliseconds. */
function wallClockMs(f: Intl.DateTimeFormat, utcMs: number): number {
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(utcMs))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const hour = p.hour === 24 ? 0 : (p.hour ?? 0);
  return Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, hour, p.minute ?? 0, p.second ?? 0);
}

/**
 * The UTC instant (epoch milliseconds) of a local "YYYY-MM-DDTHH:mm" in an IANA time zone, using Intl for the
 * offset. A local time that does not exist (the hour skipped when clocks go forward) is read with the offset in
 * force before the change, i.e. moved forward by the skipped hour; an ambiguous one (clocks going back) takes the
 * first of its two instants. Undefined when the text or the time zone is not valid.
 */
export function zonedToUtc(local: string, timeZone: string): number | undefined {
  const minutes = minutesOf(local);
  const f = formatterFor(timeZone);
  if (minutes === undefined || !f) return undefined;
  const naive = minutes * MS_PER_MINUTE;
  // Two rounds settle the offset except inside a skipped hour, where the second round is the shifted answer.
  const first = naive - (wallClockMs(f, naive) - naive);
  const offset = wallClockMs(f, first) - first;
  const second = naive - offset;
  if (wallClockMs(f, second) - second === offset) {
    // Clocks going back: the earlier of the two instants that show this wall-clock time.
    const earlier = second - 60 * 60 * 1000;
    if (wallClockMs(f, earlier) === naive) return earlier;
    return second;
  }
  return Math.max(first, second);
}

/** Local date of the as-of value in the site's time zone. */
function asOfDay(asOf: string, timeZone: string): number | undefined {
  const plain = dayOf(asOf);
  if (plain !== undefined) return plain;
  const ms = Date.parse(asOf);
  const f = formatterFor(timeZone);
  if (Number.isNaN(ms) || !f) return undefined;
  return Math.floor(wallClockMs(f, ms) / (DAY * MS_PER_MINUTE));
}

// ---------------------------------------------------------------------------------------------------------------
// Window occurrences

interface WindowSpec {
  days: Set<number>;
  start: number;
  duration: number;
  capacity: number;
}

interface Occurrence {
  start: number;
  end: number;
  capacity: number;
}

function specsOf(windows: MaintenanceWindow[]): WindowSpec[] {
  return windows.map((w) => {
    const start = timeOfDay(w.start);
    const end = timeOfDay(w.end);
    // A window that ends at or before its start runs past midnight (22:00–02:00).
    const duration = end > start ? end - start : end + DAY - start;
    return {
      days: new Set(w.days.map((d) => WEEKDAY_INDEX[d])),
      start,
      duration,
      capacity: w.capacityHours * 60
    };
  });
}

/**
 * The occurrences of some weekly windows from a first local minute on, generated day by day as they are asked
 * for, skipping those reserved by locked waves.
 */
class OccurrenceSeq {
  readonly list: Occurrence[] = [];
  /** Running maximum of `end` over `list`, for counting the occurrences that end by a date. */
  private readonly maxEnd: number[] = [];
  private readonly firstDay: number;
  private nextDay: number;
  /** How far `countEndingBy` generates: due dates centuries ahead must not make it loop for ages. */
  private readonly lastDay: number;

  constructor(
    private readonly specs: WindowSpec[],
    readonly from: number,
    private readonly reserved: Set<number>
  ) {
    this.firstDay = Math.floor(from / DAY);
    this.nextDay = this.firstDay;
    this.lastDay = this.nextDay + MAX_HORIZON_DAYS;
  }

  get empty(): boolean {
    return this.specs.every((s) => s.days.size === 0);
  }

  private generateDay(): void {
    const day = this.nextDay++;
    const weekday = weekdayOf(day);
    const today: Occurrence[] = [];
    for (const s of this.specs) {
      if (!s.days.has(weekday)) continue;
      const start = day * DAY + s.start;
      if (start < this.from || this.reserved.has(start)) continue;
      today.push({ start, end: start + s.duration, capacity: s.capacity });
    }
    today.sort((a, b) => a.start - b.start || a.end - b.end);
    for (const o of today) {
      this.list.push(o);
      const prev = this.maxEnd[this.maxEnd.length - 1] ?? -Infinity;
      this.maxEnd.push(Math.max(prev, o.end));
    }
  }

  at(i: number): Occurrence | undefined {
    if (this.empty) return undefined;
    // Every week has at least one occurrence unless a locked wave reserved it, so this bound is never the reason
    // an occurrence is missing; it only guards against looping forever.
    const bound = this.firstDay + 7 * (i + 2 + this.reserved.size);
    while (this.list.length <= i && this.nextDay <= bound) this.generateDay();
    return this.list[i];
  }

  /** How many occurrences end on or before the local day `day` (the due date). */
  countEndingBy(day: number): number {
    if (this.empty) return 0;
    while (this.nextDay <= Math.min(day + 1, this.lastDay)) this.generateDay();
    const limit = (day + 1) * DAY;
    // maxEnd is non-decreasing: binary search for the first index whose running max passes the limit.
    let lo = 0;
    let hi = this.maxEnd.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.maxEnd[mid] ?? Infinity) <= limit) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Work units and waves under construction

interface AssetInfo extends ScheduleAsset {
  server: boolean;
  /** Lower-cased host name, the tie-breaker of every ordering. */
  sortName: string;
}

/** One asset's share of the work in one wave. */
interface Unit {
  asset: AssetInfo;
  gaps: PatchGap[];
  emergency: boolean;
  effort: number;
  /** Earliest due day over its gaps; Infinity when none has a calendar deadline. */
  urgency: number;
  /** How it was placed, for the reason of a miss. */
  placed?: Placement;
}

interface Placement {
  ring: 'emergency' | 'pilot' | 'broad';
  seq: OccurrenceSeq;
  /** Effort of this unit and of every unit placed before it in the same sequence. */
  cumulative: number;
  group: Group;
}

interface Slot {
  kind: WaveKind;
  group: Group;
  start: number;
  end: number;
  capacity: number;
  /** Effort placed so far, in minutes. */
  used: number;
  units: Unit[];
  locked: boolean;
  id?: string;
  name?: string;
  moved: Set<string>;
}

function effortOf(gaps: PatchGap[], s: ScheduleSettings): number {
  if (gaps.length === 0) return 0;
  let minutes = s.minutesPerMachine;
  let reboot = false;
  for (const g of gaps) {
    minutes += s.minutesPerUpdate[g.kind] ?? 0;
    // No source saying "no reboot" is planned as a reboot: an unplanned restart is worse than spare time.
    if (g.rebootRequired !== false) reboot = true;
  }
  return reboot ? minutes + s.minutesPerReboot : minutes;
}

const dueCache = new Map<string, number | undefined>();
function dueDayOf(g: PatchGap): number | undefined {
  const d = g.priority.dueDate;
  if (!d) return undefined;
  if (dueCache.has(d)) return dueCache.get(d);
  const day = dayOf(d);
  if (dueCache.size > 10_000) dueCache.clear();
  dueCache.set(d, day);
  return day;
}

function compareUnits(a: Unit, b: Unit): number {
  if (a.urgency !== b.urgency) return a.urgency < b.urgency ? -1 : 1;
  return compareAssets(a.asset, b.asset);
}

function compareAssets(a: AssetInfo, b: AssetInfo): number {
  if (a.sortName !== b.sortName) return a.sortName < b.sortName ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

const SERVICING_STACK = /servicing stack|\bssu\b/i;

/**
 * Prerequisites first: a servicing stack update, then OS updates (the cumulative update), then the rest; within
 * each, the most urgent first, then by id.
 */
function prerequisiteRank(g: PatchGap): number {
  if (SERVICING_STACK.test(g.title) || SERVICING_STACK.test(g.product)) return 0;
  return g.kind === 'os-update' ? 1 : 2;
}

function orderGaps(gaps: PatchGap[]): PatchGap[] {
  return gaps
    .map((g) => ({ g, r: prerequisiteRank(g), d: dueDayOf(g) ?? Infinity }))
    .sort((a, b) => a.r - b.r || a.d - b.d || (a.g.id < b.g.id ? -1 : a.g.id > b.g.id ? 1 : 0))
    .map((x) => x.g);
}

/**
 * Next-fit over the occurrences: units in order go into the current occurrence while it has room, else into the
 * next one. A unit is never split; one bigger than a whole window gets an occurrence to itself (over capacity).
 */
function fill(
  units: Unit[],
  seq: OccurrenceSeq,
  kind: WaveKind,
  group: Group,
  ring: Placement['ring'],
  slots: Slot[],
  unplaced: Unit[]
): void {
  let index = -1;
  let current: Slot | undefined;
  let cumulative = 0;
  for (const u of units) {
    cumulative += u.effort;
    u.placed = { ring, seq, cumulative, group };
    if (current && current.used + u.effort <= current.capacity) {
      current.units.push(u);
      current.used += u.effort;
      continue;
    }
    const occ = seq.at(++index);
    if (!occ) {
      unplaced.push(u);
      continue;
    }
    current = {
      kind,
      group,
      start: occ.start,
      end: occ.end,
      capacity: occ.capacity,
      used: u.effort,
      units: [u],
      locked: false,
      moved: new Set()
    };
    slots.push(current);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The schedule

/**
 * Builds the remediation schedule.
 *
 * - A work unit is one asset in one wave with all of its gaps placed there. Its effort is minutesPerMachine + the
 *   minutes per update of each gap's kind + minutesPerReboot when any gap needs a reboot or does not say
 *   (rebootRequired null counts as a reboot).
 * - Emergency waves come first, out of cycle: gaps due within `emergencyDays` of the as-of date, already due, or of
 *   priority rank 1. One wave a day from the day after the as-of date, 08:00 for as long as the longest window,
 *   holding as many technician-hours as the largest window; windows and the plan's start date are ignored.
 * - The rest goes in rings, from the plan's start (settings.schedule.startDate, else as-of + 7 days): a pilot ring
 *   (the technician's pilot: true machines, plus one representative machine per OS key among workstations, then
 *   other non-server machines, up to pilotSize), then the broad workstations ring and the servers ring, which start
 *   no earlier than the pilot's end + pilotSoakDays. Servers only ever use server windows; every other role uses
 *   workstation windows. Within a ring: earliest due date first, then host name; occurrences are filled up to
 *   their capacity and an asset is never split between waves.
 * - Within an asset, the servicing stack update comes first, then OS updates, then the rest.
 * - Adjustments: a locked wave (given `previous`) keeps its id, times and machines and reserves its window
 *   occurrence; a moved asset goes with all its gaps into the named wave (of this plan, else of `previous`), even
 *   over capacity. A move into or out of a locked wave is not applied: unlock it first.
 * - Misses: every gap whose wave ends after its due date, or that cannot be placed, with the reason and a fix.
 *
 * Same input, same output (ids included). Never throws: an unknown time zone is read as UTC and an unreadable
 * as-of date gives an empty plan with no misses.
 */
export function buildSchedule(input: ScheduleInput): Schedule {
  const s = input.settings.schedule;
  const timeZone = isValidTimeZone(s.timeZone) ? s.timeZone : 'UTC';
  const asOf = asOfDay(input.asOf, timeZone);
  if (asOf === undefined) return { waves: [], misses: [] };
  const startDay = (s.startDate ? dayOf(s.startDate) : undefined) ?? asOf + 7;
  const planStart = startDay * DAY;
  const adjustments = input.settings.adjustments ?? { moves: {}, locked: [] };

  // Assets, including any a gap names that the asset list lacks (scheduled as role "unknown", never dropped).
  const assets = new Map<string, AssetInfo>();
  for (const a of input.assets) {
    if (assets.has(a.id)) continue;
    assets.set(a.id, { ...a, server: a.role === 'server', sortName: a.hostname.toLowerCase() });
  }
  const gapsByAsset = new Map<string, PatchGap[]>();
  for (const g of input.gaps) {
    let list = gapsByAsset.get(g.assetId);
    if (!list) {
      list = [];
      gapsByAsset.set(g.assetId, list);
      if (!assets.has(g.assetId)) {
        assets.set(g.assetId, {
          id: g.assetId,
          hostname: g.hostname,
          role: 'unknown',
          osKey: '',
          server: false,
          sortName: g.hostname.toLowerCase()
        });
      }
    }
    list.push(g);
  }

  // Emergency or ring work, per asset.
  const emergencyLimit = asOf + s.emergencyDays;
  const emergencyUnits = new Map<string, Unit>();
  const ringUnits = new Map<string, Unit>();
  for (const [assetId, gaps] of gapsByAsset) {
    const asset = assets.get(assetId);
    if (!asset) continue;
    const urgent: PatchGap[] = [];
    const rest: PatchGap[] = [];
    for (const g of gaps) {
      const due = dueDayOf(g);
      if (g.priority.rank === 1 || (due !== undefined && due <= emergencyLimit)) urgent.push(g);
      else rest.push(g);
    }
    if (urgent.length > 0) emergencyUnits.set(assetId, makeUnit(asset, urgent, true, s));
    if (rest.length > 0) ringUnits.set(assetId, makeUnit(asset, rest, false, s));
  }

  // Locked waves of the previous plan keep their machines, times and ids.
  const lockedIds = new Set(adjustments.locked);
  const slots: Slot[] = [];
  const reserved = new Set<number>();
  const lockedAssets = new Set<string>();
  const lockedWaveIds = new Set<string>();
  for (const w of input.previous ?? []) {
    if (!lockedIds.has(w.id) || lockedWaveIds.has(w.id)) continue;
    const start = minutesOf(w.start);
    const end = minutesOf(w.end);
    if (start === undefined || end === undefined) continue;
    lockedWaveIds.add(w.id);
    const group: Group =
      w.kind === 'emergency' ? 'emergency' : w.kind === 'servers' ? 'servers' : 'workstations';
    const slot: Slot = {
      kind: w.kind,
      group,
      start,
      end,
      capacity: capacityFor(group, s),
      used: 0,
      units: [],
      locked: true,
      id: w.id,
      name: w.name,
      moved: new Set()
    };
    for (const assetId of w.assetIds) {
      const asset = assets.get(assetId);
      if (!asset) continue; // no longer in the engagement: nothing left to do on it
      lockedAssets.add(assetId);
      const pool = w.kind === 'emergency' ? emergencyUnits : ringUnits;
      const unit = pool.get(assetId);
      pool.delete(assetId);
      slot.units.push(
        unit ?? { asset, gaps: [], emergency: w.kind === 'emergency', effort: 0, urgency: Infinity }
      );
    }
    reserved.add(start);
    slots.push(slot);
  }

  const unplaced: Unit[] = [];

  // Emergency waves: out of cycle, one a day from the day after the as-of date.
  const specs = specsOf(s.windows);
  const longest = Math.max(60, ...specs.map((x) => x.duration));
  const largest = Math.max(60, ...specs.map((x) => x.capacity));
  const emergencySeq = new OccurrenceSeq(
    [{ days: new Set([0, 1, 2, 3, 4, 5, 6]), start: EMERGENCY_START, duration: longest, capacity: largest }],
    (asOf + 1) * DAY,
    reserved
  );
  fill(sorted(emergencyUnits), emergencySeq, 'emergency', 'emergency', 'emergency', slots, unplaced);

  // Pilot ring.
  const workstationSpecs = specsOf(s.windows.filter((w) => w.for === 'workstations'));
  const serverSpecs = specsOf(s.windows.filter((w) => w.for === 'servers'));
  const pilots = choosePilots([...ringUnits.values()], s.pilotSize);
  const pilotWs: Unit[] = [];
  const pilotSrv: Unit[] = [];
  for (const u of pilots) {
    ringUnits.delete(u.asset.id);
    (u.asset.server ? pilotSrv : pilotWs).push(u);
  }
  const before = slots.length;
  fill(
    pilotWs.sort(compareUnits),
    new OccurrenceSeq(workstationSpecs, planStart, reserved),
    'pilot',
    'workstations',
    'pilot',
    slots,
    unplaced
  );
  fill(
    pilotSrv.sort(compareUnits),
    new OccurrenceSeq(serverSpecs, planStart, reserved),
    'pilot',
    'servers',
    'pilot',
    slots,
    unplaced
  );
  let pilotEnd: number | undefined;
  slots.forEach((slot, i) => {
    if (slot.kind === 'pilot' && (slot.locked || i >= before)) {
      pilotEnd = Math.max(pilotEnd ?? -Infinity, slot.end);
    }
  });
  const broadStart =
    pilotEnd === undefined ? planStart : Math.max(planStart, pilotEnd + s.pilotSoakDays * DAY);

  // Broad rings: workstations (every role but server) and servers, each in its own windows.
  const broadWs: Unit[] = [];
  const broadSrv: Unit[] = [];
  for (const u of ringUnits.values()) (u.asset.server ? broadSrv : broadWs).push(u);
  fill(
    broadWs.sort(compareUnits),
    new OccurrenceSeq(workstationSpecs, broadStart, reserved),
    'workstations',
    'workstations',
    'broad',
    slots,
    unplaced
  );
  fill(
    broadSrv.sort(compareUnits),
    new OccurrenceSeq(serverSpecs, broadStart, reserved),
    'servers',
    'servers',
    'broad',
    slots,
    unplaced
  );

  numberSlots(slots);
  applyMoves(slots, adjustments.moves, input.previous ?? [], lockedAssets, lockedWaveIds, s, unplaced);

  const kept = slots.filter((x) => x.locked || x.units.length > 0);
  kept.sort(compareSlots);
  const waves = kept.map((slot) => toWave(slot, timeZone, s));
  const misses = findMisses(kept, unplaced, asOf, s);
  return { waves, misses };
}

function makeUnit(asset: AssetInfo, gaps: PatchGap[], emergency: boolean, s: ScheduleSettings): Unit {
  let urgency = Infinity;
  for (const g of gaps) {
    const due = dueDayOf(g);
    if (due !== undefined && due < urgency) urgency = due;
  }
  return { asset, gaps, emergency, effort: effortOf(gaps, s), urgency };
}

function sorted(units: Map<string, Unit>): Unit[] {
  return [...units.values()].sort(compareUnits);
}

function capacityFor(group: Group, s: ScheduleSettings): number {
  const windows = group === 'emergency' ? s.windows : s.windows.filter((w) => w.for === group);
  return Math.max(0, ...windows.map((w) => w.capacityHours * 60));
}

/**
 * The pilot ring: every machine the technician put in it (pilot: true), then one representative machine per OS
 * key not yet covered, among workstations first and then the other non-server roles, up to pilotSize machines in
 * all. The most common OS keys are covered first; the representative is the machine with the most gaps (it tests
 * the most updates), then by host name. Machines with pilot: false are never chosen.
 */
function choosePilots(units: Unit[], pilotSize: number): Unit[] {
  const chosen: Unit[] = units.filter((u) => u.asset.pilot === true).sort(compareUnits);
  const covered = new Set(chosen.map((u) => u.asset.osKey));
  let slotsLeft = pilotSize - chosen.length;
  for (const workstationRole of [true, false]) {
    if (slotsLeft <= 0) break;
    const byOs = new Map<string, Unit[]>();
    for (const u of units) {
      const a = u.asset;
      if (a.pilot !== undefined || a.server || (a.role === 'workstation') !== workstationRole) continue;
      if (covered.has(a.osKey)) continue;
      let list = byOs.get(a.osKey);
      if (!list) byOs.set(a.osKey, (list = []));
      list.push(u);
    }
    const keys = [...byOs.entries()].sort(
      (a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
    );
    for (const [osKey, list] of keys) {
      if (slotsLeft <= 0) break;
      let best: Unit | undefined;
      for (const u of list) {
        if (
          !best ||
          u.gaps.length > best.gaps.length ||
          (u.gaps.length === best.gaps.length && compareAssets(u.asset, best.asset) < 0)
        ) {
          best = u;
        }
      }
      if (!best) continue;
      chosen.push(best);
      covered.add(osKey);
      slotsLeft -= 1;
    }
  }
  return chosen;
}

function compareSlots(a: Slot, b: Slot): number {
  if (a.start !== b.start) return a.start - b.start;
  if (a.kind !== b.kind) return KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
  if (a.group !== b.group) return a.group < b.group ? -1 : 1;
  const ai = a.units[0]?.asset.id ?? '';
  const bi = b.units[0]?.asset.id ?? '';
  return ai < bi ? -1 : ai > bi ? 1 : 0;
}

const KIND_LABEL: Record<WaveKind, string> = {
  emergency: 'Emergency (out of cycle)',
  pilot: 'Pilot ring',
  workstations: 'Workstations',
  servers: 'Servers'
};

/**
 * Ids in date order, "w01-emergency", "w02-pilot", …; locked waves keep theirs and their numbers are skipped.
 * Names say what and when: "Workstations, Tue 2026-05-12 18:00".
 */
function numberSlots(slots: Slot[]): void {
  const taken = new Set<number>();
  for (const slot of slots) {
    const m = slot.locked && slot.id ? /^w(\d+)-/.exec(slot.id) : null;
    if (m) taken.add(Number(m[1]));
  }
  let n = 0;
  for (const slot of [...slots].sort(compareSlots)) {
    if (slot.locked) continue;
    do n += 1;
    while (taken.has(n));
    slot.id = `w${String(n).padStart(2, '0')}-${slot.kind}`;
    const day = Math.floor(slot.start / DAY);
    const local = localOf(slot.start);
    const forServers = slot.kind === 'pilot' && slot.group === 'servers' ? ' (servers)' : '';
    slot.name = `${KIND_LABEL[slot.kind]}${forServers}, ${WEEKDAY_NAME[weekdayOf(day)]} ${local.slice(0, 10)} ${local.slice(11)}`;
  }
}

/**
 * The technician's moves: the asset goes, with all of its gaps, into the named wave of this plan, or else a wave of
 * the previous plan recreated at its time. Moves that name no known wave, or that would change a locked wave, are
 * left out.
 */
function applyMoves(
  slots: Slot[],
  moves: Record<string, string>,
  previous: RemediationWave[],
  lockedAssets: Set<string>,
  lockedWaveIds: Set<string>,
  s: ScheduleSettings,
  unplaced: Unit[]
): void {
  const entries = Object.entries(moves).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (entries.length === 0) return;
  const byId = new Map<string, Slot>();
  for (const slot of slots) if (slot.id) byId.set(slot.id, slot);
  const previousById = new Map(previous.map((w) => [w.id, w]));
  const unitsOf = new Map<string, { slot?: Slot; unit: Unit }[]>();
  for (const slot of slots) {
    if (slot.locked) continue;
    for (const unit of slot.units) {
      const list = unitsOf.get(unit.asset.id) ?? [];
      list.push({ slot, unit });
      unitsOf.set(unit.asset.id, list);
    }
  }
  for (const unit of unplaced) {
    const list = unitsOf.get(unit.asset.id) ?? [];
    list.push({ unit });
    unitsOf.set(unit.asset.id, list);
  }

  for (const [assetId, waveId] of entries) {
    if (lockedAssets.has(assetId) || lockedWaveIds.has(waveId)) continue;
    const placed = unitsOf.get(assetId);
    if (!placed || placed.length === 0) continue;
    let target = byId.get(waveId);
    if (!target) {
      const prev = previousById.get(waveId);
      const start = prev ? minutesOf(prev.start) : undefined;
      const end = prev ? minutesOf(prev.end) : undefined;
      if (!prev || start === undefined || end === undefined) continue;
      const group: Group =
        prev.kind === 'emergency' ? 'emergency' : prev.kind === 'servers' ? 'servers' : 'workstations';
      target = {
        kind: prev.kind,
        group,
        start,
        end,
        capacity: capacityFor(group, s),
        used: 0,
        units: [],
        locked: false,
        id: prev.id,
        name: prev.name,
        moved: new Set()
      };
      slots.push(target);
      byId.set(waveId, target);
    }
    const gaps: PatchGap[] = [];
    for (const { slot, unit } of placed) {
      gaps.push(...unit.gaps);
      if (slot) slot.units = slot.units.filter((u) => u !== unit);
      else unplaced.splice(unplaced.indexOf(unit), 1);
    }
    const first = placed[0]?.unit;
    if (!first) continue;
    const merged = makeUnit(first.asset, gaps, target.kind === 'emergency', s);
    target.units.push(merged);
    target.moved.add(assetId);
    unitsOf.set(assetId, [{ slot: target, unit: merged }]);
  }
}

function verificationText(machines: number): string {
  const what = machines === 1 ? 'the machine' : `the ${machines} machines`;
  return `Rescan or re-export ${what} and import the files into Patchfield; check the gaps are closed and note the change in the client's change log.`;
}

function toWave(slot: Slot, timeZone: string, s: ScheduleSettings): RemediationWave {
  // One unit per asset in the wave (a move may have brought an asset's emergency and ring gaps together).
  const perAsset = new Map<string, Unit>();
  for (const u of slot.units) {
    const had = perAsset.get(u.asset.id);
    if (had) {
      const merged = makeUnit(u.asset, [...had.gaps, ...u.gaps], had.emergency, s);
      merged.placed = had.placed;
      perAsset.set(u.asset.id, merged);
    } else perAsset.set(u.asset.id, u);
  }
  const units = [...perAsset.values()].sort(compareUnits);
  slot.units = units;
  const gapIds: string[] = [];
  let effort = 0;
  for (const u of units) {
    u.gaps = orderGaps(u.gaps);
    for (const g of u.gaps) gapIds.push(g.id);
    effort += u.effort;
  }
  return {
    id: slot.id ?? '',
    kind: slot.kind,
    name: slot.name ?? '',
    start: localOf(slot.start),
    end: localOf(slot.end),
    timeZone,
    assetIds: units.map((u) => u.asset.id),
    gapIds,
    effortMinutes: Math.ceil(effort),
    verification: verificationText(units.length),
    expectedCompletion: dateOf(Math.floor(slot.end / DAY) + 1),
    locked: slot.locked
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Misses

function hours(minutes: number): string {
  const h = Math.round((minutes / 60) * 10) / 10;
  return `${h} h`;
}

const GROUP_WORD: Record<Group, string> = {
  emergency: 'emergency',
  workstations: 'workstation',
  servers: 'server'
};
/** What one occurrence of a group is called in a reason: "workstation window", "out-of-cycle wave". */
const OCCURRENCE_WORD: Record<Group, string> = {
  emergency: 'out-of-cycle wave',
  workstations: 'workstation window',
  servers: 'server window'
};

function findMisses(slots: Slot[], unplaced: Unit[], asOf: number, s: ScheduleSettings): ScheduleMiss[] {
  const misses: { miss: ScheduleMiss; day: number; name: string }[] = [];
  for (const slot of slots) {
    const endDay = Math.floor(slot.end / DAY);
    const planned = dateOf(endDay);
    let load = 0;
    for (const u of slot.units) load += u.effort;
    for (const u of slot.units) {
      // One reason per due date within a machine: a machine has many gaps, often with the same few due dates.
      const texts = new Map<number, { reason: string; fix: string }>();
      for (const g of u.gaps) {
        const due = dueDayOf(g);
        if (due === undefined || due >= endDay) continue;
        const dueDate = g.priority.dueDate ?? dateOf(due);
        let text = texts.get(due);
        if (!text) {
          const why = missReason(slot, u, due, load, asOf, s);
          text = {
            reason: why.reason.replaceAll('{due}', dueDate),
            fix: why.fix.replaceAll('{due}', dueDate)
          };
          texts.set(due, text);
        }
        misses.push({
          miss: {
            gapId: g.id,
            assetId: u.asset.id,
            dueDate,
            plannedDate: planned,
            reason: text.reason,
            fix: text.fix
          },
          day: due,
          name: u.asset.sortName
        });
      }
    }
  }
  for (const u of unplaced) {
    const group = u.placed?.group ?? (u.asset.server ? 'servers' : 'workstations');
    const word = GROUP_WORD[group];
    for (const g of u.gaps) {
      const due = dueDayOf(g);
      if (due === undefined) continue;
      misses.push({
        miss: {
          gapId: g.id,
          assetId: u.asset.id,
          dueDate: dateOf(due),
          plannedDate: null,
          reason: `No ${word} maintenance window is set, so ${u.asset.hostname} cannot be scheduled.`,
          fix: `Add a ${word} window before ${dateOf(due)}.`
        },
        day: due,
        name: u.asset.sortName
      });
    }
  }
  misses.sort(
    (a, b) =>
      a.day - b.day ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
      (a.miss.assetId < b.miss.assetId ? -1 : a.miss.assetId > b.miss.assetId ? 1 : 0) ||
      (a.miss.gapId < b.miss.gapId ? -1 : a.miss.gapId > b.miss.gapId ? 1 : 0)
  );
  return misses.map((m) => m.miss);
}

/** Why a unit's gap due on `due` misses in `slot`, and what would fix it. "{due}" is filled in per gap. */
function missReason(
  slot: Slot,
  u: Unit,
  due: number,
  load: number,
  asOf: number,
  s: ScheduleSettings
): { reason: string; fix: string } {
  const host = u.asset.hostname;
  const id = slot.id ?? '';
  const ends = dateOf(Math.floor(slot.end / DAY));
  const over =
    load > slot.capacity
      ? ` The wave holds ${hours(load)} of work for ${hours(slot.capacity)} of technician time.`
      : '';
  if (slot.locked) {
    return {
      reason: `It is in locked wave ${id}, which ends ${ends}, after its due date {due}.${over}`,
      fix: `Unlock ${id} or move ${host} to an emergency wave.`
    };
  }
  const p = u.placed;
  if (slot.moved.has(u.asset.id) || !p) {
    return {
      reason: `${host} was moved by hand to ${id}, which ends ${ends}, after its due date {due}.${over}`,
      fix: `Move ${host} to an emergency wave or to a wave that ends by {due}.`
    };
  }
  const word = GROUP_WORD[p.group];
  const occurrence = OCCURRENCE_WORD[p.group];
  const capHours = slot.capacity / 60;
  const ringFrom = p.seq.from;
  const ringDay = Math.floor(ringFrom / DAY);
  if (p.ring === 'emergency' && due <= asOf) {
    return {
      reason: `Already due on the as-of date ({due}); the first out-of-cycle wave is on ${dateOf(asOf + 1)}.`,
      fix: `Install it on {due} as an out-of-cycle change, before the planned waves.`
    };
  }
  if (p.ring !== 'emergency' && due < ringDay) {
    const when =
      p.ring === 'pilot'
        ? `the plan starts on ${dateOf(ringDay)}`
        : `the broad rings start on ${dateOf(ringDay)}, after the pilot ring and ${s.pilotSoakDays} days of soak`;
    return {
      reason: `Due {due}, but ${when}.`,
      fix: `Move it to an emergency wave: move ${host} to one, or raise the emergency days to ${Math.max(0, due - asOf)}.`
    };
  }
  const windows = p.seq.countEndingBy(due);
  if (windows === 0) {
    return {
      reason: `No ${word} window between ${dateOf(ringDay)} and its due date {due}.`,
      fix: `Add a ${word} window before {due}, or move it to an emergency wave.`
    };
  }
  const perWindow = p.cumulative / windows / 60;
  const extra = Math.max(1, Math.ceil(Math.max(perWindow, u.effort / 60) - capHours));
  const reason =
    u.effort > slot.capacity
      ? `${host} needs ${hours(u.effort)} of work, more than one ${occurrence} holds (${hours(slot.capacity)}).`
      : `The ${windows} ${occurrence}${windows === 1 ? '' : 's'} before {due} ${windows === 1 ? 'is' : 'are'} full with more urgent work.`;
  const orEmergency = p.ring === 'emergency' ? '' : ', or move it to an emergency wave';
  return {
    reason,
    fix: `Add ${extra} technician-hour${extra === 1 ? '' : 's'} per ${occurrence}${orEmergency}.`
  };
}
