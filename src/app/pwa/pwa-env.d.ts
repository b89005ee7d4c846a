// types of the `virtual:pwa-register` module vite-plugin-pwa provides
/// <reference types="vite-plugin-pwa/vanillajs" />
