import '@mantine/core/styles.css';
import './app.css';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { Providers } from './Providers';
import { setupI18n } from './i18n';

setupI18n();
createRoot(document.getElementById('root')!).render(
  <Providers>
    <App />
  </Providers>,
);
