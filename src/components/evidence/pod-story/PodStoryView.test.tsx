import React from 'react';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { podStoryPartialPiece, podStoryPiece } from '../../../test/fixtures/evidence';
import { EvidencePieceView } from '../EvidencePieceView';

describe('PodStoryView', () => {
  it('tells the story on one time axis: the OOMKill before the alert, the capture last', () => {
    render(<EvidencePieceView captureId={7} piece={podStoryPiece()} />);
    const timeline = screen.getByRole('list', { name: 'Timeline' });
    const moments = within(timeline).getAllByTestId('timeline-moment');
    expect(moments.map((m) => m.getAttribute('data-kind'))).toEqual([
      'terminated',
      'started',
      'event',
      'event',
      'alert',
      'capture',
    ]);
    const oom = moments[0];
    // Tests run in UTC: the OOMKill at 18:52:43, two minutes before the alert.
    expect(oom).toHaveTextContent(
      /18:52:43\s*−2 min\s*terminated\s*container elasticsearch terminated: OOMKilled, exit code 137/
    );
    expect(moments[4]).toHaveTextContent(/18:54:43\s*±0 s\s*alert/);
    expect(moments[5]).toHaveTextContent(/18:55:43\s*\+1 min\s*capture/);
  });

  it('says limits, requests, QoS, restarts and the last state', () => {
    render(<EvidencePieceView captureId={7} piece={podStoryPiece()} />);
    expect(screen.getByTestId('pod-story-facts')).toHaveTextContent(
      'container elasticsearch · QoS Burstable · requests cpu 1, memory 2Gi · limits memory 2Gi · 4 restarts · now running since 18:52:44 · last terminated OOMKilled (exit 137) at 18:52:43'
    );
  });

  it('shows the log around the alert, and the dead container’s last lines folded', async () => {
    render(<EvidencePieceView captureId={7} piece={podStoryPiece()} />);
    const log = screen.getByLabelText('Log around the alert', { selector: 'pre' });
    expect(log).toBeVisible();
    // The alert's start is drawn before the lines that came after it.
    expect(log.textContent).toMatch(/^──── 18:54:43 alert started ────\n18:55:43 {2}\[gc\] heap 1\.9g\/2g/);
    const previous = screen.getByLabelText('Last lines of the previous container', { selector: 'pre' });
    expect(previous).not.toBeVisible();
    await userEvent.click(screen.getByText(/Last lines of the previous container, OOMKilled at 18:52:43/));
    expect(previous).toBeVisible();
    expect(previous.textContent).toMatch(/18:52:42 {2}\[error\] java\.lang\.OutOfMemoryError: Java heap space$/);
  });

  it('keeps the story when parts could not be read, and says why each is missing', () => {
    render(<EvidencePieceView captureId={7} piece={podStoryPartialPiece()} />);
    expect(screen.getByTestId('pod-story-facts')).toHaveTextContent('1 restart');
    expect(screen.getAllByTestId('timeline-moment').map((m) => m.getAttribute('data-kind'))).toContain('terminated');
    const failures = screen.getAllByTestId('evidence-failure');
    expect(failures.map((f) => f.querySelector('strong')?.textContent)).toEqual([
      'events: forbidden',
      'previous-log: no-previous-log',
    ]);
    expect(failures[0]).toHaveTextContent('grant "list" on "events"');
  });
});
