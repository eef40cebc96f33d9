import { describe, expect, it } from 'vitest';
import { compareWindowsBuild, parseWindowsBuild } from '../../../../src/lib/core/versions';

describe('compareWindowsBuild', () => {
  it('orders builds, then update revisions (UBR), by value', () => {
    const ladder = [
      '6.1.7601.24545',
      '6.3.9600.21620',
      '10.0.17763.5696',
      '10.0.19045.999',
      '10.0.19045.4291'
    ];
    expect([...ladder].reverse().sort(compareWindowsBuild)).toEqual(ladder);
    expect(compareWindowsBuild('10.0.22631.3447', '10.0.22621.3447')).toBe(1);
  });

  it('treats "19045.4291" (OS build) and "10.0.19045.4291" as the same build', () => {
    expect(compareWindowsBuild('19045.4291', '10.0.19045.4291')).toBe(0);
    expect(compareWindowsBuild('19045.4290', '10.0.19045.4291')).toBe(-1);
    expect(compareWindowsBuild('26100.1', '10.0.22631.4890')).toBe(1);
  });

  it('finds the build in text around it', () => {
    expect(compareWindowsBuild('OS Build 19045.4291', '10.0.19045.4291')).toBe(0);
    expect(compareWindowsBuild('Microsoft Windows [Version 10.0.22631.3447]', '22631.3447')).toBe(0);
    expect(compareWindowsBuild('Windows 10 Pro 10.0.19045', '19045')).toBe(0);
    expect(compareWindowsBuild('Build 19045', '19045.1')).toBe(-1);
  });

  it('counts a missing revision as 0', () => {
    expect(compareWindowsBuild('10.0.19045', '19045.0')).toBe(0);
    expect(compareWindowsBuild('10.0.19045', '19045.1')).toBe(-1);
  });

  it('sorts a text without any number before every build, never throwing', () => {
    expect(compareWindowsBuild('', '10.0.10240')).toBe(-1);
    expect(compareWindowsBuild('unknown', '0')).toBe(-1);
    expect(compareWindowsBuild('n/a', 'n/a')).toBe(0);
    expect(compareWindowsBuild('a', 'b')).toBe(-1);
  });
});

describe('parseWindowsBuild', () => {
  it.each([
    ['10.0.19045.4291', { major: 10, minor: 0, build: 19045, revision: 4291, rest: [] }],
    ['10.0.19045', { major: 10, minor: 0, build: 19045, revision: 0, rest: [] }],
    ['19045.4291', { build: 19045, revision: 4291, rest: [] }],
    ['Build 7601', { build: 7601, revision: 0, rest: [] }],
    ['10.0', { major: 10, minor: 0, build: 0, revision: 0, rest: [] }]
  ])('reads %j', (text, build) => {
    expect(parseWindowsBuild(text)).toEqual(build);
  });

  it('returns undefined for a text without a number', () => {
    expect(parseWindowsBuild('Windows')).toBeUndefined();
  });
});
