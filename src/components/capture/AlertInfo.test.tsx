import React from 'react';
import { render, screen } from '@testing-library/react';
import type { CaptureAlert } from '../../api/types';
import { AlertInfo } from './AlertInfo';

const base: CaptureAlert = { alertname: 'cpu', startsAt: '2026-11-22T10:31:50Z' };

function hrefs(container: HTMLElement): string[] {
  return Array.from(container.querySelectorAll('a')).map((a) => a.getAttribute('href') ?? '');
}

describe('AlertInfo links', () => {
  it.each([
    'javascript:alert(document.cookie)',
    'JaVaScRiPt:alert(1)',
    '  javascript:alert(1)',
    'java\tscript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
  ])('renders no link for %j in any URL field', (url) => {
    const { container } = render(
      <AlertInfo alert={{ ...base, generatorURL: url, panelURL: url, dashboardURL: url }} />
    );
    expect(hrefs(container)).toEqual([]);
    expect(screen.queryByText('Alert rule')).toBeNull();
    expect(screen.queryByText(/Dashboard/)).toBeNull();
  });

  it('falls back to a safe dashboard URL when the panel URL is unsafe', () => {
    const { container } = render(
      <AlertInfo alert={{ ...base, panelURL: 'javascript:alert(1)', dashboardURL: 'https://g.example/d/uid' }} />
    );
    expect(hrefs(container)).toEqual(['https://g.example/d/uid']);
    expect(screen.getByText('Dashboard')).toBeInTheDocument();
  });

  it('links http(s) panel and rule URLs', () => {
    const { container } = render(
      <AlertInfo
        alert={{
          ...base,
          panelURL: 'https://g.example/d/uid?viewPanel=2',
          generatorURL: 'http://g.example/alerting/r/view',
        }}
      />
    );
    expect(hrefs(container)).toEqual(['https://g.example/d/uid?viewPanel=2', 'http://g.example/alerting/r/view']);
  });
});
