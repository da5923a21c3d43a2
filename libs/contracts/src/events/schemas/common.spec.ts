import { MAX_REMEMBERED_TIME_ZONES, rememberedTimeZones, timeZoneSchema } from './common';

describe('timeZoneSchema', () => {
  it('when thousands of distinct invalid zones are checked, then each is refused and the remembered answers stay bounded', () => {
    for (let index = 0; index < 3 * MAX_REMEMBERED_TIME_ZONES; index += 1) {
      expect(timeZoneSchema.safeParse(`Mars/Crater_${index}`).success).toBe(false);
    }
    expect(rememberedTimeZones()).toBe(MAX_REMEMBERED_TIME_ZONES);
  });

  it('when a zone was forgotten, then it is still answered right', () => {
    expect(timeZoneSchema.safeParse('Europe/Ljubljana').success).toBe(true);
    for (let index = 0; index < 2 * MAX_REMEMBERED_TIME_ZONES; index += 1) timeZoneSchema.safeParse(`Venus/Crater_${index}`);
    expect([timeZoneSchema.safeParse('Europe/Ljubljana').success, timeZoneSchema.safeParse('Mars/Crater_1').success]).toEqual([
      true,
      false,
    ]);
  });
});
