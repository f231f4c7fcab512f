import { describe, expect, it } from 'vitest';
import { compileRoute } from '../../dev/host/http-routes';

/** Route templates as Azure's host matches them (ASP.NET routing), including length and range constraints. */
describe('route templates', () => {
  it('answers the site root with an optional segment of length 0, and nothing else', () => {
    const root = compileRoute('{ignored:maxlength(0)?}');
    expect(root.match('/')).toEqual({});
    expect(root.match('')).toEqual({});
    expect(root.match('/api')).toBeUndefined();
    expect(root.match('/x')).toBeUndefined();
  });

  it('applies length and range constraints', () => {
    expect(compileRoute('codes/{c:length(3)}').match('/codes/abc')).toEqual({ c: 'abc' });
    expect(compileRoute('codes/{c:length(3)}').match('/codes/abcd')).toBeUndefined();
    expect(compileRoute('codes/{c:minlength(2)}').match('/codes/a')).toBeUndefined();
    expect(compileRoute('codes/{c:length(2,4)}').match('/codes/abcd')).toEqual({ c: 'abcd' });
    expect(compileRoute('pages/{n:range(1,10)}').match('/pages/10')).toEqual({ n: '10' });
    expect(compileRoute('pages/{n:range(1,10)}').match('/pages/11')).toBeUndefined();
    expect(compileRoute('pages/{n:min(1)}').match('/pages/0')).toBeUndefined();
    expect(compileRoute('pages/{n:max(5)}').match('/pages/x')).toBeUndefined();
  });
});
