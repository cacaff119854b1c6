import React from 'react';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { podStoryPiece } from '../../../test/fixtures/evidence';
import { EvidencePieceView } from '../EvidencePieceView';

describe('PodStoryView', () => {
  it('tells the story on one time axis: the OOMKill before the alert, the capture last', () => {
    render(<EvidencePieceView captureId={9} piece={podStoryPiece()} />);
    const timeline = screen.getByRole('list', { name: 'Timeline' });
    const moments = within(timeline).getAllByTestId('timeline-moment');
    expect(moments.map((m) => m.getAttribute('data-kind'))).toEqual([
      'event',
      'terminated',
      'event',
      'event',
      'started',
      'alert',
      'capture',
    ]);
    const oom = moments[1];
    expect(oom).toHaveTextContent('10:21:50');
    expect(oom).toHaveTextContent('−40 s');
    expect(oom).toHaveTextContent('container agent terminated: OOMKilled, exit code 137');
    expect(moments[5]).toHaveTextContent(/10:22:30\s*±0 s\s*alert/);
    expect(moments[6]).toHaveTextContent(/10:22:33\s*\+3 s\s*capture/);
  });

  it('says limits, requests, QoS, restarts and the last state', () => {
    render(<EvidencePieceView captureId={9} piece={podStoryPiece()} />);
    expect(screen.getByTestId('pod-story-facts')).toHaveTextContent(
      'container agent · QoS Burstable · requests cpu 100m, memory 128Mi · limits memory 256Mi · 4 restarts · now running since 10:22:05 · last terminated OOMKilled (exit 137) at 10:21:50'
    );
  });

  it('shows the log around the alert, and the dead container’s last lines folded', async () => {
    render(<EvidencePieceView captureId={9} piece={podStoryPiece()} />);
    const log = screen.getByLabelText('Log around the alert', { selector: 'pre' });
    expect(log).toBeVisible();
    // The alert's start is drawn between the lines before and after it.
    expect(log.textContent).toMatch(
      /starting metrics-agent[\s\S]*loaded 1240[\s\S]*10:22:30 alert started[\s\S]*series cache/
    );
    const previous = screen.getByLabelText('Last lines of the previous container', { selector: 'pre' });
    expect(previous).not.toBeVisible();
    await userEvent.click(screen.getByText(/Last lines of the previous container, OOMKilled at 10:21:50/));
    expect(previous).toBeVisible();
    expect(previous.textContent).toMatch(
      /earlier lines left out[\s\S]*10:21:49 {2}level=warn msg="slow remote write" queue=18211 took=1\.8s$/
    );
  });

  it('keeps the story when a part could not be read, and says why', () => {
    const piece = podStoryPiece();
    delete piece.summary.story.events;
    piece.summary.story.failures = [
      {
        part: 'events',
        reason: 'forbidden',
        message: 'the plugin may not list events in namespace monitoring: grant list on events',
      },
    ];
    render(<EvidencePieceView captureId={9} piece={piece} />);
    expect(screen.getByTestId('pod-story-facts')).toHaveTextContent('4 restarts');
    expect(screen.getByTestId('evidence-failure')).toHaveTextContent('events: forbidden');
    expect(screen.getByTestId('evidence-failure')).toHaveTextContent('grant list on events');
  });
});
