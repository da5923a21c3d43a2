export { gatewayService } from './gateway-service';
export { createGatewayApp, type GatewayAppDependencies } from './gateway-app';
export { UPSTREAM_ROUTES, matchRoute, type UpstreamRoute } from './routes';
export { UsageMeter, USAGE_LATENCY_BUCKETS_MS, type UsageRecord } from './metering/usage-meter';
