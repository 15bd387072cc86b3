/**
 * For plugin authors: run a plugin through a real gateway in a test, the conformance suite
 * every plugin (ours or a third party's) can run, and the small fixtures such tests share.
 * This module only re-exports; each helper lives in its own module, so none imports this one.
 */
export { startTestGateway, type TestGateway, type TestGatewayOptions, type TestResponse } from "./gateway.js";
export { pluginConformance, type ConformanceOptions } from "./conformance.js";
export { freePort, startEchoUpstream, type EchoUpstream, type RecordedRequest } from "./echo-upstream.js";
export { headerAuthPlugin, callerHeaders, type HeaderAuthOptions, type CredentialSource } from "./header-auth.js";
export { notification, postJsonRpc, rpc, toolsCall, toolsList } from "./messages.js";
export { waitFor, within, type WaitOptions } from "./wait.js";
