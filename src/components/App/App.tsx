import React from 'react';
import { Route, Routes } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { ROUTES } from '../../constants';

const CapturesPage = React.lazy(() => import('../../pages/CapturesPage'));
const CapturePage = React.lazy(() => import('../../pages/CapturePage'));
const CaptureNowPage = React.lazy(() => import('../../pages/CaptureNowPage'));
const WorkloadPage = React.lazy(() => import('../../pages/WorkloadPage'));
const ComparePage = React.lazy(() => import('../../pages/ComparePage'));

function App(_props: AppRootProps) {
  return (
    <Routes>
      <Route path={`${ROUTES.Captures}/:id`} element={<CapturePage />} />
      <Route path={ROUTES.CaptureNow} element={<CaptureNowPage />} />
      <Route path={ROUTES.Workload} element={<WorkloadPage />} />
      <Route path={ROUTES.Compare} element={<ComparePage />} />
      <Route path="*" element={<CapturesPage />} />
    </Routes>
  );
}

export default App;
