import { relativeIfSameHost, safeHref } from './urls';

const here = 'http://127.0.0.1:3000/a/seed-stackcapture-app/captures/3';

// URLs that must never become a link target: scripts, data, other schemes, and the spellings
// browsers still run (mixed case, leading whitespace or control characters, tabs and newlines
// inside the scheme, entities are not decoded in JS strings but are listed for completeness).
const hostile = [
  'javascript:alert(document.cookie)',
  'JavaScript:alert(1)',
  'JAVASCRIPT:alert(1)',
  ' javascript:alert(1)',
  '\tjavascript:alert(1)',
  '\njavascript:alert(1)',
  '\u0000javascript:alert(1)',
  '\u001fjavascript:alert(1)',
  'java\nscript:alert(1)',
  'jav\tascript:alert(1)',
  'javascript://example.com/%0aalert(1)',
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  'DATA:text/html,<script>alert(1)</script>',
  ' data:text/html,x',
  'vbscript:msgbox(1)',
  'VbScript:msgbox(1)',
  'file:///etc/passwd',
  'blob:http://127.0.0.1:3000/uuid',
  '//evil.example/x',
  '/d/abc',
  'http:alert(1)',
  'http://[bad',
  'http://g.example/\u2028x',
  '',
];

describe('safeHref', () => {
  it.each(hostile)('refuses %j', (url) => {
    expect(safeHref(url, here)).toBeUndefined();
  });

  it('keeps absolute http and https URLs as they are', () => {
    expect(safeHref('http://grafana.example/d/x?orgId=1', here)).toBe('http://grafana.example/d/x?orgId=1');
    expect(safeHref('HTTPS://grafana.example/d/x', here)).toBe('HTTPS://grafana.example/d/x');
  });

  it('refuses what is not a string', () => {
    expect(safeHref(undefined, here)).toBeUndefined();
    expect(safeHref(null, here)).toBeUndefined();
  });
});

describe('relativeIfSameHost', () => {
  it('makes links into this Grafana relative, keeping query and hash', () => {
    expect(relativeIfSameHost('http://127.0.0.1:3000/d/lab-dash?orgId=1&viewPanel=1#x', here)).toBe(
      '/d/lab-dash?orgId=1&viewPanel=1#x'
    );
  });

  it('leaves other hosts and ports alone', () => {
    expect(relativeIfSameHost('http://grafana.example/d/x', here)).toBe('http://grafana.example/d/x');
    expect(relativeIfSameHost('http://127.0.0.1:3001/d/x', here)).toBe('http://127.0.0.1:3001/d/x');
  });

  it.each(hostile)('never returns %j, nor anything made from it', (url) => {
    expect(relativeIfSameHost(url, here)).toBeUndefined();
  });
});
