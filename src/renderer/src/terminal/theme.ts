// xterm can't read CSS variables, so its palettes live here, matched by hand to styles/theme.css.
import type { ITheme, ITerminalOptions } from '@xterm/xterm'
import type { Theme } from '../stores/ui'

const dark: ITheme = {
  background: '#0a0d12',
  foreground: '#c9d1d9',
  cursor: '#d29922',
  cursorAccent: '#0a0d12',
  selectionBackground: '#264f78',
  black: '#484f58',
  red: '#ff7b72',
  green: '#3fb950',
  yellow: '#d29922',
  blue: '#58a6ff',
  magenta: '#bc8cff',
  cyan: '#39c5cf',
  white: '#b1bac4',
  brightBlack: '#6e7681',
  brightRed: '#ffa198',
  brightGreen: '#56d364',
  brightYellow: '#e3b341',
  brightBlue: '#79c0ff',
  brightMagenta: '#d2a8ff',
  brightCyan: '#56d4dd',
  brightWhite: '#f0f6fc'
}

const light: ITheme = {
  background: '#ffffff',
  foreground: '#1f2328',
  cursor: '#9a6700',
  cursorAccent: '#ffffff',
  selectionBackground: '#b6d7ff',
  black: '#24292f',
  red: '#cf222e',
  green: '#116329',
  yellow: '#7d4e00',
  blue: '#0969da',
  magenta: '#8250df',
  cyan: '#1b7c83',
  white: '#6e7781',
  brightBlack: '#57606a',
  brightRed: '#a40e26',
  brightGreen: '#1a7f37',
  brightYellow: '#633c01',
  brightBlue: '#218bff',
  brightMagenta: '#a475f9',
  brightCyan: '#3192aa',
  brightWhite: '#8c959f'
}

export function xtermTheme(theme: Theme): ITheme {
  return theme === 'light' ? light : dark
}

export function xtermOptions(theme: Theme): ITerminalOptions {
  return {
    theme: xtermTheme(theme),
    fontFamily: "ui-monospace, 'SF Mono', Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace",
    fontSize: 12,
    lineHeight: 1.15,
    scrollback: 10_000,
    disableStdin: true,
    cursorBlink: false,
    cursorInactiveStyle: 'outline',
    allowProposedApi: false
  }
}
