import { mount } from 'svelte'
import App from './App.svelte'

const target = document.getElementById('app')
if (target === null) throw new Error('#app is missing from index.html')
export default mount(App, { target })

// the network stack is the heavy part: load it after the shell is on screen
void import('./runtime/start.ts').then(m => m.start())
