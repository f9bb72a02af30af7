import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { connectStudio } from './api/connect.ts';
import { ConnectionContext, createConnectionStore } from './api/connection.ts';
import { monitorConnection } from './api/connection-monitor.ts';
import { createStudio, StudioContext } from './ui/studio.ts';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

const studio = createStudio();
const connection = createConnectionStore();
monitorConnection(connection, connectStudio);

// Read-only handle for the end-to-end tests and for debugging from the console.
Object.defineProperty(window, 'sceditStudio', {
  value: Object.freeze({ scene: () => studio.scene.state, canUndo: () => studio.scene.canUndo }),
});

window.addEventListener('unhandledrejection', (e) => studio.notices.error(e.reason));

createRoot(root).render(
  <StrictMode>
    <StudioContext.Provider value={studio}>
      <ConnectionContext.Provider value={connection}>
        <App />
      </ConnectionContext.Provider>
    </StudioContext.Provider>
  </StrictMode>,
);
