import React, { useCallback, useEffect, useState } from 'react';
import { locationUtil, rangeUtil, type TimeRange } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Button, LinkButton, LoadingPlaceholder, Stack, Text } from '@grafana/ui';
import { listCaptures } from '../api/client';
import type { CaptureQuery, CaptureStatus, CaptureSummary } from '../api/types';
import { CaptureFilters, EMPTY_TEXT_FILTERS, type TextFilters } from '../components/captures/CaptureFilters';
import { CapturesTable } from '../components/shared/CapturesTable';
import { PLUGIN_BASE_URL, ROUTES } from '../constants';
import { canRequestCaptures } from '../utils/roles';

const PAGE_SIZE = 50;

interface Listing {
  captures: CaptureSummary[];
  nextCursor: string;
}

function queryOf(text: TextFilters, status: CaptureStatus | '', range: TimeRange): CaptureQuery {
  // Re-evaluate relative ranges ("now-7d") at query time.
  const now = rangeUtil.convertRawToRange(range.raw);
  return {
    ...text,
    status: status || undefined,
    from: now.from.valueOf(),
    to: now.to.valueOf(),
    limit: PAGE_SIZE,
  };
}

/** Every capture, newest first, with filters and paging. */
function CapturesPage() {
  const [text, setText] = useState<TextFilters>(EMPTY_TEXT_FILTERS);
  const [status, setStatus] = useState<CaptureStatus | ''>('');
  const [range, setRange] = useState<TimeRange>(() => rangeUtil.convertRawToRange({ from: 'now-7d', to: 'now' }));
  const [result, setResult] = useState<{ key: string; listing?: Listing; error?: string } | undefined>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | undefined>();

  // The result belongs to one set of filters; a stale one means loading.
  const key = JSON.stringify([text, status, range.from.valueOf(), range.to.valueOf()]);
  const current = result?.key === key ? result : undefined;
  const listing = current?.listing;
  const error = current?.error ?? moreError;

  useEffect(() => {
    let cancelled = false;
    listCaptures(queryOf(text, status, range)).then(
      (list) => !cancelled && setResult({ key, listing: list }),
      (e: Error) => !cancelled && setResult({ key, error: e.message })
    );
    return () => {
      cancelled = true;
    };
  }, [key, text, status, range]);

  const loadMore = useCallback(async () => {
    if (!listing?.nextCursor) {
      return;
    }
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const next = await listCaptures({ ...queryOf(text, status, range), cursor: listing.nextCursor });
      setResult({ key, listing: { captures: [...listing.captures, ...next.captures], nextCursor: next.nextCursor } });
    } catch (e) {
      setMoreError((e as Error).message);
    } finally {
      setLoadingMore(false);
    }
  }, [key, listing, text, status, range]);

  const actions = canRequestCaptures() ? (
    <LinkButton icon="bolt" href={locationUtil.assureBaseUrl(`${PLUGIN_BASE_URL}/${ROUTES.CaptureNow}`)}>
      Capture now
    </LinkButton>
  ) : undefined;

  return (
    <PluginPage actions={actions}>
      <Stack direction="column" gap={2}>
        <CaptureFilters
          text={text}
          onTextChange={setText}
          status={status}
          onStatusChange={setStatus}
          range={range}
          onRangeChange={setRange}
        />
        {error && (
          <Alert severity="error" title="Could not load captures">
            {error}
          </Alert>
        )}
        {!listing && !error && <LoadingPlaceholder text="Loading captures…" />}
        {listing && listing.captures.length === 0 && <Text color="secondary">No captures match these filters.</Text>}
        {listing && listing.captures.length > 0 && <CapturesTable captures={listing.captures} />}
        {listing?.nextCursor && (
          <Stack justifyContent="center">
            <Button
              variant="secondary"
              onClick={loadMore}
              disabled={loadingMore}
              icon={loadingMore ? 'spinner' : undefined}
            >
              Load more
            </Button>
          </Stack>
        )}
      </Stack>
    </PluginPage>
  );
}

export default CapturesPage;
