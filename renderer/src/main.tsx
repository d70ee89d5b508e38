import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@patternfly/react-core/dist/styles/base.css';
import './app/app.css';
import { App } from './app/App';
import { startApp } from './app/app-store';
import { detectEnvironment } from './app/environment';
import { FEATURES } from './app/features';

// Files dropped where nothing takes them must not make the browser open them in place of the
// app (losing a running conversion's page): refuse such drops everywhere by default.
window.addEventListener('dragover', (e) => {
  e.preventDefault();
  if (e.dataTransfer) e.dataTransfer.dropEffect = 'none';
});
window.addEventListener('drop', (e) => e.preventDefault());

startApp(detectEnvironment());
for (const feature of FEATURES) feature.start?.();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
