import { relativeIfSameHost } from './urls';

describe('relativeIfSameHost', () => {
  const here = 'http://127.0.0.1:3000/a/seed-stackcapture-app/captures/3';

  it('makes links into this Grafana relative, keeping query and hash', () => {
    expect(relativeIfSameHost('http://127.0.0.1:3000/d/lab-dash?orgId=1&viewPanel=1#x', here)).toBe(
      '/d/lab-dash?orgId=1&viewPanel=1#x'
    );
  });

  it('leaves other hosts and ports alone', () => {
    expect(relativeIfSameHost('http://grafana.example/d/x', here)).toBe('http://grafana.example/d/x');
    expect(relativeIfSameHost('http://127.0.0.1:3001/d/x', here)).toBe('http://127.0.0.1:3001/d/x');
  });
});
