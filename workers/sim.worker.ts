// The simulation worker: owns one language Session and its History, and exposes the bridge API
// with Comlink. Thin on purpose: everything it does lives in src/bridge/host.ts (tested in Node).
import * as Comlink from 'comlink';
import { createSimApi } from '../src/bridge/host';

Comlink.expose(createSimApi());
