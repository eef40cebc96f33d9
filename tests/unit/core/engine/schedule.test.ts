import { describe, expect, it } from 'vitest';
import type {
  EngagementSettings,
  GapKind,
  PatchGap,
  RemediationWave,
  ScheduleSettings
} from '../../../../src/lib/core/model';
import { buildSchedule, zonedToUtc, type ScheduleAsset } from '../../../../src/lib/core/engine/schedule';
import { DEFAULT_ENGAGEMENT_SETTINGS } from '../../../../src/lib/core/engine/settings';

const AS_OF = '2026-05-04'; // a Monday: the plan starts Monday 2026-05-11

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

interface GapOptions {
  kind?: GapKind;
  dueInDays?: number | null;
  rank?: number;
  reboot?: boolean | null;
  title?: string;
  hostname?: string;
}

let gapCounter = 0;
function gap(assetId: string, o: GapOptions = {}): PatchGap {
  gapCounter += 1;
  const dueInDays = o.dueInDays === undefined ? 90 : o.dueInDays;
  return {
    id: `${assetId}-g${String(gapCounter).padStart(4, '0')}`,
    assetId,
    hostname: o.hostname ?? assetId.toUpperCase(),
    kind: o.kind ?? 'os-update',
    product: 'Windows 10 22H2',
    title: o.title ?? 'Install KB5066791 (2025-10 cumulative update)',
    severity: 'high',
    cves: [],
    rebootRequired: o.reboot === undefined ? true : o.reboot,
    security: true,
    folded: 1,
    evidence: [],
    priority: {
      rank: o.rank ?? 3,
      label: 'High',
      days: dueInDays,
      dueDate: dueInDays === null ? null : addDays(AS_OF, dueInDays),
      reason: 'test',
      policy: 'severity-bands',
      assumed: []
    }
  };
}

function asset(
  id: string,
  role: ScheduleAsset['role'] = 'workstation',
  osKey = 'windows 10.0.19045',
  pilot?: boolean
): ScheduleAsset {
  return { id, hostname: id.toUpperCase(), role, osKey, ...(pilot === undefined ? {} : { pilot }) };
}

function settings(
  over: Partial<ScheduleSettings> = {},
  adjustments?: EngagementSettings['adjustments']
): EngagementSettings {
  return {
    ...DEFAULT_ENGAGEMENT_SETTINGS,
    schedule: { ...DEFAULT_ENGAGEMENT_SETTINGS.schedule, ...over },
    ...(adjustments ? { adjustments } : {})
  };
}

function weekday(local: string): number {
  return new Date(`${local.slice(0, 10)}T00:00:00Z`).getUTCDay();
}

function wavesOf(waves: RemediationWave[], assetId: string): RemediationWave[] {
  return waves.filter((w) => w.assetIds.includes(assetId));
}

/** 10 + 20 + 10 = 40 minutes per machine with one OS update and a reboot (defaults). */
function fleet(
  count: number,
  prefix = 'pc',
  role: ScheduleAsset['role'] = 'workstation'
): { assets: ScheduleAsset[]; gaps: PatchGap[] } {
  const assets: ScheduleAsset[] = [];
  const gaps: PatchGap[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${prefix}${String(i).padStart(3, '0')}`;
    assets.push(asset(id, role));
    gaps.push(gap(id));
  }
  return { assets, gaps };
}

describe('buildSchedule', () => {
  it('default settings put workstations in Tue/Thu 18:00–22:00 and servers in Sat 08:00–14:00 UTC, from as-of + 7 days', () => {
    const ws = fleet(30);
    const srv = fleet(3, 'srv', 'server');
    const { waves } = buildSchedule({
      asOf: AS_OF,
      assets: [...ws.assets, ...srv.assets],
      gaps: [...ws.gaps, ...srv.gaps],
      settings: DEFAULT_ENGAGEMENT_SETTINGS
    });
    expect(waves.length).toBeGreaterThan(2);
    for (const w of waves) {
      expect(w.timeZone).toBe('UTC');
      expect(w.start >= '2026-05-11T00:00').toBe(true);
      const servers = w.assetIds.every((id) => id.startsWith('srv'));
      if (servers) {
        expect(weekday(w.start)).toBe(6);
        expect([w.start.slice(11), w.end.slice(11)]).toEqual(['08:00', '14:00']);
      } else {
        expect([2, 4]).toContain(weekday(w.start));
        expect([w.start.slice(11), w.end.slice(11)]).toEqual(['18:00', '22:00']);
      }
      expect(w.expectedCompletion).toBe(addDays(w.end.slice(0, 10), 1));
      expect(w.verification).toMatch(
        /^Rescan or re-export the (machine|\d+ machines) and import the files into Patchfield/
      );
    }
    expect(waves[0]?.start).toBe('2026-05-12T18:00');
  });

  it('fills each window up to its capacity and never splits a machine between waves', () => {
    const ws = fleet(40);
    const { waves, misses } = buildSchedule({
      asOf: AS_OF,
      assets: ws.assets,
      gaps: ws.gaps,
      settings: DEFAULT_ENGAGEMENT_SETTINGS
    });
    for (const w of waves) expect(w.effortMinutes).toBeLessThanOrEqual(8 * 60);
    // 40 minutes each: 12 machines fill a broad window of 8 technician-hours.
    expect(waves.filter((w) => w.kind === 'workstations').map((w) => w.assetIds.length)).toEqual([
      12, 12, 12, 3
    ]);
    for (const a of ws.assets) expect(wavesOf(waves, a.id)).toHaveLength(1);
    expect(waves.flatMap((w) => w.gapIds).sort()).toEqual(ws.gaps.map((g) => g.id).sort());
    expect(misses).toEqual([]);
  });

  it('counts an unknown reboot as a reboot in the effort', () => {
    const effort = (reboot: boolean | null) =>
      buildSchedule({
        asOf: AS_OF,
        assets: [asset('pc1')],
        gaps: [gap('pc1', { reboot }), gap('pc1', { reboot: false, kind: 'package-update' })],
        settings: DEFAULT_ENGAGEMENT_SETTINGS
      }).waves[0]?.effortMinutes;
    // 10 per machine + 20 (OS update) + 5 (package) + 10 for the reboot.
    expect(effort(null)).toBe(45);
    expect(effort(true)).toBe(45);
    expect(effort(false)).toBe(35);
  });

  it('pilot ring picks one representative machine per OS key, honours pilot true/false, and the broad ring waits for the soak', () => {
    const assets: ScheduleAsset[] = [];
    const gaps: PatchGap[] = [];
    for (const os of ['windows 10.0.19045', 'windows 10.0.22631', 'ubuntu 22.04']) {
      for (let i = 0; i < 4; i++) {
        const id = `${os.replace(/\W/g, '')}-${i}`;
        assets.push(asset(id, 'workstation', os, os === 'ubuntu 22.04' && i === 0 ? false : undefined));
        gaps.push(gap(id));
      }
    }
    assets.push(asset('kiosk', 'other', 'windows 10.0.19045', true));
    gaps.push(gap('kiosk'));
    const { waves } = buildSchedule({ asOf: AS_OF, assets, gaps, settings: DEFAULT_ENGAGEMENT_SETTINGS });
    const pilot = waves.filter((w) => w.kind === 'pilot');
    const pilotIds = pilot.flatMap((w) => w.assetIds);
    expect(pilotIds).toContain('kiosk');
    expect(pilotIds).not.toContain('ubuntu2204-0');
    expect(pilotIds).toHaveLength(3); // kiosk covers windows 10.0.19045; one each for the other two keys
    const os = pilotIds.map((id) => assets.find((a) => a.id === id)?.osKey);
    expect(new Set(os).size).toBe(3);
    const pilotEnd =
      pilot
        .map((w) => w.end)
        .sort()
        .at(-1) ?? '';
    const soakEnd = `${addDays(pilotEnd.slice(0, 10), 2)}T${pilotEnd.slice(11)}`;
    const broad = waves.filter((w) => w.kind !== 'pilot');
    expect(broad.length).toBeGreaterThan(0);
    for (const w of broad) expect(w.start >= soakEnd).toBe(true);
    expect(waves.map((w) => w.id)).toEqual(
      waves.map((w, i) => `w${String(i + 1).padStart(2, '0')}-${w.kind}`)
    );
  });

  it('puts servers only in server windows, and reports them unplaceable when there is no server window', () => {
    const ws = fleet(5);
    const srv = fleet(4, 'srv', 'server');
    const all = { assets: [...ws.assets, ...srv.assets], gaps: [...ws.gaps, ...srv.gaps] };
    const { waves } = buildSchedule({ asOf: AS_OF, ...all, settings: DEFAULT_ENGAGEMENT_SETTINGS });
    for (const s of srv.assets) {
      for (const w of wavesOf(waves, s.id)) {
        expect(weekday(w.start)).toBe(6);
        expect(w.assetIds.every((id) => id.startsWith('srv'))).toBe(true);
      }
      expect(wavesOf(waves, s.id)).toHaveLength(1);
    }
    const noServerWindow = buildSchedule({
      asOf: AS_OF,
      ...all,
      settings: settings({
        windows: DEFAULT_ENGAGEMENT_SETTINGS.schedule.windows.filter((w) => w.for === 'workstations')
      })
    });
    for (const s of srv.assets) expect(wavesOf(noServerWindow.waves, s.id)).toEqual([]);
    const serverMisses = noServerWindow.misses.filter((m) => m.assetId.startsWith('srv'));
    expect(serverMisses).toHaveLength(4);
    expect(serverMisses[0]).toMatchObject({
      plannedDate: null,
      fix: `Add a server window before ${addDays(AS_OF, 90)}.`
    });
    expect(serverMisses[0]?.reason).toMatch(/No server maintenance window/);
  });

  it('gives a known-exploited item due in 3 days an out-of-cycle emergency wave before everything else', () => {
    const ws = fleet(6);
    const kev = gap('pc003', {
      dueInDays: 3,
      rank: 1,
      kind: 'scanner-finding',
      title: 'Upgrade Chrome (KEV)'
    });
    const { waves, misses } = buildSchedule({
      asOf: AS_OF,
      assets: ws.assets,
      gaps: [...ws.gaps, kev],
      settings: DEFAULT_ENGAGEMENT_SETTINGS
    });
    const first = waves[0];
    expect(first).toMatchObject({
      id: 'w01-emergency',
      kind: 'emergency',
      start: '2026-05-05T08:00',
      assetIds: ['pc003'],
      gapIds: [kev.id]
    });
    expect(first?.name).toMatch(/out of cycle/);
    expect((first?.start ?? '') < (waves[1]?.start ?? '')).toBe(true);
    // The machine's ordinary update still goes with its ring.
    expect(wavesOf(waves, 'pc003').map((w) => w.kind)).toEqual([
      'emergency',
      expect.not.stringMatching('emergency')
    ]);
    expect(misses).toEqual([]);
  });

  it('opens one emergency wave a day while a day is full, and says how many hours would meet the due date', () => {
    const ws = fleet(40);
    const kev = ws.assets.map((a) => gap(a.id, { dueInDays: 3, rank: 1, kind: 'scanner-finding' }));
    const { waves, misses } = buildSchedule({
      asOf: AS_OF,
      assets: ws.assets,
      gaps: kev,
      settings: DEFAULT_ENGAGEMENT_SETTINGS
    });
    // 10 + 15 + 10 = 35 minutes a machine: 13 fit in a day's 8 technician-hours.
    expect(waves.map((w) => [w.id, w.start, w.end, w.assetIds.length])).toEqual([
      ['w01-emergency', '2026-05-05T08:00', '2026-05-05T14:00', 13],
      ['w02-emergency', '2026-05-06T08:00', '2026-05-06T14:00', 13],
      ['w03-emergency', '2026-05-07T08:00', '2026-05-07T14:00', 13],
      ['w04-emergency', '2026-05-08T08:00', '2026-05-08T14:00', 1]
    ]);
    expect(misses).toEqual([
      {
        gapId: kev[39]?.id,
        assetId: 'pc039',
        dueDate: '2026-05-07',
        plannedDate: '2026-05-08',
        reason: 'The 3 out-of-cycle waves before 2026-05-07 are full with more urgent work.',
        fix: 'Add 1 technician-hour per out-of-cycle wave.'
      }
    ]);
  });

  it('reports misses with the reason and the hours to add when the windows are too small', () => {
    const ws = fleet(30);
    const tight = ws.gaps.map((g) => ({ ...g, priority: { ...g.priority, dueDate: addDays(AS_OF, 14) } }));
    const { waves, misses } = buildSchedule({
      asOf: AS_OF,
      assets: ws.assets,
      gaps: tight,
      settings: settings({
        pilotSize: 0,
        windows: [
          { for: 'workstations', days: ['tue', 'thu'], start: '18:00', end: '22:00', capacityHours: 1 },
          { for: 'servers', days: ['sat'], start: '08:00', end: '14:00', capacityHours: 8 }
        ]
      })
    });
    for (const w of waves) expect(w.effortMinutes).toBeLessThanOrEqual(60);
    // Due 2026-05-18: only Tue 12 and Thu 14 May fit, one 40-minute machine each.
    expect(misses).toHaveLength(28);
    const m = misses[0];
    expect(m?.dueDate).toBe('2026-05-18');
    expect((m?.plannedDate ?? '') > '2026-05-18').toBe(true);
    expect(m?.reason).toBe('The 2 workstation windows before 2026-05-18 are full with more urgent work.');
    // The third machine needs 2 × 80 minutes of windows (one more hour each); all 30 need 10 h per window.
    expect(m?.fix).toBe('Add 1 technician-hour per workstation window, or move it to an emergency wave.');
    expect(misses.at(-1)?.fix).toBe(
      'Add 9 technician-hours per workstation window, or move it to an emergency wave.'
    );
  });

  it('says when a due date falls before the plan starts and proposes an emergency wave', () => {
    const { misses } = buildSchedule({
      asOf: AS_OF,
      assets: [asset('pc1')],
      gaps: [gap('pc1', { dueInDays: 5 })],
      settings: DEFAULT_ENGAGEMENT_SETTINGS
    });
    expect(misses).toHaveLength(1);
    expect(misses[0]?.reason).toBe('Due 2026-05-09, but the plan starts on 2026-05-11.');
    expect(misses[0]?.fix).toMatch(/^Move it to an emergency wave/);
  });

  it('gives each late gap of a machine the reason for its own due date', () => {
    const gaps = [gap('pc1', { dueInDays: 6 }), gap('pc1', { dueInDays: 5, kind: 'package-update' })];
    const { misses } = buildSchedule({
      asOf: AS_OF,
      assets: [asset('pc1')],
      gaps,
      settings: DEFAULT_ENGAGEMENT_SETTINGS
    });
    expect(misses.map((m) => [m.gapId, m.reason])).toEqual([
      [gaps[1]?.id, 'Due 2026-05-09, but the plan starts on 2026-05-11.'],
      [gaps[0]?.id, 'Due 2026-05-10, but the plan starts on 2026-05-11.']
    ]);
  });

  it('orders the servicing stack update before the cumulative update and other gaps of a machine', () => {
    const gaps = [
      gap('pc1', { kind: 'package-update', title: 'Upgrade 7-Zip', dueInDays: 30 }),
      gap('pc1', { kind: 'os-update', title: 'Install KB5066791 (cumulative update)' }),
      gap('pc1', { kind: 'os-update', title: 'Install KB5065000 (servicing stack update)' })
    ];
    const { waves } = buildSchedule({
      asOf: AS_OF,
      assets: [asset('pc1')],
      gaps,
      settings: DEFAULT_ENGAGEMENT_SETTINGS
    });
    expect(waves[0]?.gapIds).toEqual([gaps[2]?.id, gaps[1]?.id, gaps[0]?.id]);
  });

  it('keeps wall-clock windows in Europe/Berlin across the change to summer time, and converts them to UTC', () => {
    const ws = fleet(6);
    const { waves } = buildSchedule({
      asOf: '2026-03-16',
      assets: ws.assets,
      gaps: ws.gaps.map((g) => ({ ...g, priority: { ...g.priority, dueDate: '2026-06-30' } })),
      settings: settings({
        timeZone: 'Europe/Berlin',
        startDate: '2026-03-23',
        pilotSize: 0,
        windows: [
          { for: 'workstations', days: ['tue', 'thu'], start: '18:00', end: '22:00', capacityHours: 1 }
        ]
      })
    });
    expect(waves.map((w) => w.start)).toEqual([
      '2026-03-24T18:00',
      '2026-03-26T18:00',
      '2026-03-31T18:00',
      '2026-04-02T18:00',
      '2026-04-07T18:00',
      '2026-04-09T18:00'
    ]);
    for (const w of waves) expect(w.timeZone).toBe('Europe/Berlin');
    expect(new Date(zonedToUtc('2026-03-26T18:00', 'Europe/Berlin') ?? 0).toISOString()).toBe(
      '2026-03-26T17:00:00.000Z'
    );
    expect(new Date(zonedToUtc('2026-03-31T18:00', 'Europe/Berlin') ?? 0).toISOString()).toBe(
      '2026-03-31T16:00:00.000Z'
    );
    // 02:30 does not exist on 2026-03-29 in Berlin; 02:30 on 2026-10-25 happens twice (the first is summer time).
    expect(new Date(zonedToUtc('2026-03-29T02:30', 'Europe/Berlin') ?? 0).toISOString()).toBe(
      '2026-03-29T01:30:00.000Z'
    );
    expect(new Date(zonedToUtc('2026-10-25T02:30', 'Europe/Berlin') ?? 0).toISOString()).toBe(
      '2026-10-25T00:30:00.000Z'
    );
  });

  it('reads an as-of timestamp as the local date of the site', () => {
    const base = { assets: [asset('pc1')], gaps: [gap('pc1', { dueInDays: 2, rank: 1 })] };
    // 23:30 UTC on 4 May is already 5 May in Tokyo: the emergency wave is on 6 May there.
    const tokyo = buildSchedule({
      asOf: '2026-05-04T23:30:00Z',
      ...base,
      settings: settings({ timeZone: 'Asia/Tokyo' })
    });
    expect(tokyo.waves[0]?.start).toBe('2026-05-06T08:00');
    const utc = buildSchedule({
      asOf: '2026-05-04T23:30:00Z',
      ...base,
      settings: DEFAULT_ENGAGEMENT_SETTINGS
    });
    expect(utc.waves[0]?.start).toBe('2026-05-05T08:00');
  });

  it('moves a machine into the wave the technician named, over capacity, and reports the missed date', () => {
    const ws = fleet(30);
    const urgent = gap('pc000', { dueInDays: 10, kind: 'package-update' });
    const input = { asOf: AS_OF, assets: ws.assets, gaps: [...ws.gaps, urgent] };
    const first = buildSchedule({ ...input, settings: DEFAULT_ENGAGEMENT_SETTINGS });
    const last = first.waves.at(-1);
    expect(last && !last.assetIds.includes('pc000')).toBe(true);
    const moved = buildSchedule({
      ...input,
      previous: first.waves,
      settings: settings({}, { moves: { pc000: last?.id ?? '' }, locked: [] })
    });
    expect(wavesOf(moved.waves, 'pc000').map((w) => w.id)).toEqual([last?.id]);
    const target = moved.waves.find((w) => w.id === last?.id);
    expect(target?.gapIds).toEqual(expect.arrayContaining([urgent.id]));
    const miss = moved.misses.find((m) => m.gapId === urgent.id);
    expect(miss?.reason).toMatch(new RegExp(`^PC000 was moved by hand to ${last?.id}, which ends`));
    expect(miss?.fix).toBe('Move PC000 to an emergency wave or to a wave that ends by 2026-05-14.');
    // A move to a wave id that exists nowhere is left out.
    const unknown = buildSchedule({
      ...input,
      settings: settings({}, { moves: { pc000: 'w99-nowhere' }, locked: [] })
    });
    expect(unknown.waves).toEqual(first.waves);
  });

  it('keeps a locked wave with its machines and times when the plan is recomputed with new gaps', () => {
    const ws = fleet(20);
    const first = buildSchedule({
      asOf: AS_OF,
      assets: ws.assets,
      gaps: ws.gaps,
      settings: DEFAULT_ENGAGEMENT_SETTINGS
    });
    const pilot = first.waves.find((w) => w.kind === 'pilot');
    const broad = first.waves.find((w) => w.kind === 'workstations');
    expect(pilot && broad).toBeTruthy();
    // New, more urgent machines that would otherwise take the first broad window.
    const more = fleet(12, 'new');
    const newGaps = more.gaps.map((g) => ({
      ...g,
      priority: { ...g.priority, dueDate: addDays(AS_OF, 20) }
    }));
    const again = buildSchedule({
      asOf: AS_OF,
      assets: [...ws.assets, ...more.assets],
      gaps: [...ws.gaps, ...newGaps],
      previous: first.waves,
      settings: settings({}, { moves: {}, locked: [broad?.id ?? ''] })
    });
    const kept = again.waves.find((w) => w.id === broad?.id);
    expect(kept).toMatchObject({
      locked: true,
      start: broad?.start,
      end: broad?.end,
      assetIds: broad?.assetIds,
      gapIds: broad?.gapIds
    });
    // No other wave uses the locked occurrence, and no id is used twice.
    expect(again.waves.filter((w) => w.start === broad?.start)).toHaveLength(1);
    expect(new Set(again.waves.map((w) => w.id)).size).toBe(again.waves.length);
    // A move out of a locked wave is not applied.
    const lockedMachine = broad?.assetIds[0] ?? '';
    const tried = buildSchedule({
      asOf: AS_OF,
      assets: ws.assets,
      gaps: ws.gaps,
      previous: first.waves,
      settings: settings({}, { moves: { [lockedMachine]: pilot?.id ?? '' }, locked: [broad?.id ?? ''] })
    });
    expect(wavesOf(tried.waves, lockedMachine).map((w) => w.id)).toEqual([broad?.id]);
  });

  it('gives the same plan, ids included, for the same input in any order', () => {
    const ws = fleet(25);
    const srv = fleet(3, 'srv', 'server');
    const extra = [
      gap('pc004', { dueInDays: 2, rank: 1 }),
      gap('srv001', { dueInDays: 20, kind: 'end-of-life' }),
      gap('pc010', { dueInDays: null })
    ];
    const assets = [...ws.assets, ...srv.assets];
    const gaps = [...ws.gaps, ...srv.gaps, ...extra];
    const a = buildSchedule({ asOf: AS_OF, assets, gaps, settings: DEFAULT_ENGAGEMENT_SETTINGS });
    const b = buildSchedule({
      asOf: AS_OF,
      assets: [...assets].reverse(),
      gaps: [...gaps].reverse(),
      settings: DEFAULT_ENGAGEMENT_SETTINGS
    });
    expect(b).toEqual(a);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('schedules gaps of a machine missing from the asset list instead of dropping them', () => {
    const { waves } = buildSchedule({
      asOf: AS_OF,
      assets: [],
      gaps: [gap('ghost')],
      settings: DEFAULT_ENGAGEMENT_SETTINGS
    });
    expect(waves.flatMap((w) => w.assetIds)).toEqual(['ghost']);
  });

  it('returns an empty plan for an unreadable as-of date and reads an unknown time zone as UTC', () => {
    expect(
      buildSchedule({
        asOf: 'yesterday',
        assets: [asset('pc1')],
        gaps: [gap('pc1')],
        settings: DEFAULT_ENGAGEMENT_SETTINGS
      })
    ).toEqual({ waves: [], misses: [] });
    const { waves } = buildSchedule({
      asOf: AS_OF,
      assets: [asset('pc1')],
      gaps: [gap('pc1')],
      settings: settings({ timeZone: 'Mars/Olympus' })
    });
    expect(waves[0]?.timeZone).toBe('UTC');
  });
});
