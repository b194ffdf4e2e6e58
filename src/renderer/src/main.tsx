import '@xterm/xterm/css/xterm.css'
import './styles/theme.css'
import './styles/app.css'
import './styles/components.css'
import './styles/views.css'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { startSync } from './stores/sync'
import { useUi } from './stores/ui'

// Before the first paint, so a light-theme user never sees a dark flash.
document.documentElement.dataset.theme = useUi.getState().theme
startSync()
createRoot(document.getElementById('root')!).render(<App />)
