import { closedSince, isOpen, scheduleProblem, WeeklySchedule } from './business-hours';

const weekdays = (open: string, close: string) => (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({ day, open, close }));

describe('business hours', () => {
  const moscow: WeeklySchedule = { timeZone: 'Europe/Moscow', weekly: weekdays('09:00', '18:00'), holidays: ['2026-01-01'] };

  it('reads the schedule in its own time zone', () => {
    // 2026-03-02 is a Monday; Moscow is UTC+3 all year.
    expect(isOpen(moscow, new Date('2026-03-02T05:59:00Z'))).toBe(false);
    expect(isOpen(moscow, new Date('2026-03-02T06:00:00Z'))).toBe(true);
    expect(isOpen(moscow, new Date('2026-03-02T14:59:00Z'))).toBe(true);
    expect(isOpen(moscow, new Date('2026-03-02T15:00:00Z'))).toBe(false);
    expect(isOpen(moscow, new Date('2026-03-07T10:00:00Z'))).toBe(false); // Saturday
  });

  it('closes on holidays, whole local days', () => {
    // 2026-01-01 is a Thursday.
    expect(isOpen(moscow, new Date('2026-01-01T09:00:00Z'))).toBe(false);
    expect(isOpen(moscow, new Date('2026-01-02T09:00:00Z'))).toBe(true);
    // Closed since Wednesday's close, across the holiday.
    expect(closedSince(moscow, new Date('2026-01-01T20:00:00Z'))).toEqual(new Date('2025-12-31T15:00:00Z'));
  });

  it('names the start of the closed period: the same for every instant in it, a new one after the next opening', () => {
    const friday = closedSince(moscow, new Date('2026-03-06T20:00:00Z'));
    expect(friday).toEqual(new Date('2026-03-06T15:00:00Z'));
    expect(closedSince(moscow, new Date('2026-03-08T23:00:00Z'))).toEqual(friday); // Sunday night, same weekend
    expect(closedSince(moscow, new Date('2026-03-09T10:00:00Z'))).toBeNull(); // open Monday
    expect(closedSince(moscow, new Date('2026-03-09T16:00:00Z'))).toEqual(new Date('2026-03-09T15:00:00Z'));
  });

  it('follows daylight-saving changes (New York moved its clocks on 2026-03-08)', () => {
    const ny: WeeklySchedule = { timeZone: 'America/New_York', weekly: weekdays('09:00', '17:00'), holidays: [] };
    expect(isOpen(ny, new Date('2026-03-06T14:00:00Z'))).toBe(true); // Friday 09:00 EST
    expect(isOpen(ny, new Date('2026-03-09T13:00:00Z'))).toBe(true); // Monday 09:00 EDT
    expect(isOpen(ny, new Date('2026-03-09T12:59:00Z'))).toBe(false);
    expect(closedSince(ny, new Date('2026-03-09T12:00:00Z'))).toEqual(new Date('2026-03-06T22:00:00Z')); // Friday 17:00 EST
    expect(closedSince(ny, new Date('2026-03-10T00:00:00Z'))).toEqual(new Date('2026-03-09T21:00:00Z')); // Monday 17:00 EDT
  });

  it('a schedule never open has been closed since the epoch; bad schedules are named', () => {
    expect(closedSince({ timeZone: 'UTC', weekly: [], holidays: [] }, new Date('2026-03-09T12:00:00Z'))).toEqual(new Date(0));
    expect(scheduleProblem(moscow)).toBeNull();
    expect(scheduleProblem({ ...moscow, timeZone: 'Mars/Olympus' })).toMatch(/time zone/);
    expect(scheduleProblem({ ...moscow, weekly: [{ day: 'mon', open: '18:00', close: '09:00' }] })).toMatch(/after open/);
    expect(scheduleProblem({ ...moscow, weekly: [{ day: 'mon', open: '9:00', close: '24:00' }] })).toMatch(/HH:MM/);
    expect(scheduleProblem({ ...moscow, holidays: ['2026-02-30x'] })).toMatch(/holiday/);
    expect(isOpen({ timeZone: 'UTC', weekly: [{ day: 'mon', open: '00:00', close: '24:00' }], holidays: [] }, new Date('2026-03-09T23:59:00Z'))).toBe(true);
  });
});
