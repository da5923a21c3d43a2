export { buildGatewayApp, gatewayService, type GatewayAppDependencies } from './app';
