import { mount } from 'svelte'
import App from './App.svelte'
import './theme.css'

const target = document.getElementById('app')
if (target === null) throw new Error('#app is missing from index.html')

// the network stack is the heavy part: load it after the shell is on screen
const starting = import('./runtime/start.ts').then(m => m.start())
export default mount(App, { target, props: { starting } })
