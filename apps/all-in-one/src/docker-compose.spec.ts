import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_PORTS, type ServiceName } from '@tenantry/config';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { allServices } from './services';

const ROOT = path.resolve(__dirname, '../../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface ComposeService {
  environment?: Record<string, string | number | null>;
  depends_on?: Record<string, unknown>;
  expose?: string[];
  ports?: string[];
}
const composeText = read('docker-compose.yml');
const compose = parse(composeText, { merge: true }) as { services: Record<string, ComposeService> };
const urlVariable = (name: ServiceName) => `${name.toUpperCase().replace(/-/g, '_')}_URL`;

/** docker-compose.yml would start: valid, complete for what each app calls, and readable without any variable. */
describe('docker-compose.yml', () => {
  it('when validated against the Compose Specification JSON Schema, then it conforms', () => {
    const { $schema: _draft, ...schema } = JSON.parse(read('infra/compose-spec/compose-spec.json')) as Record<string, unknown>;
    const validate = addFormats(new Ajv({ strict: false, allErrors: true })).compile(schema);
    // The raw file, as `docker compose` reads it (anchors and merge keys resolved, nothing else).
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
  });

  it.each(allServices.map((definition) => [definition.name, definition] as const))(
    'when %s runs in its own container, then it is given the URL of every service it calls, and starts after them',
    (name, definition) => {
      const service = compose.services[name];
      expect(service).toBeDefined();
      for (const upstream of definition.upstreams ?? []) {
        const where = `${name} → ${upstream}`;
        expect({ where, url: service?.environment?.[urlVariable(upstream)] }).toEqual({
          where,
          url: `http://${upstream}:${DEFAULT_PORTS[upstream]}`,
        });
        expect({ where, dependsOn: Object.keys(service?.depends_on ?? {}) }).toEqual({
          where,
          dependsOn: expect.arrayContaining([upstream]),
        });
        const listening = [...(compose.services[upstream]?.expose ?? []), ...(compose.services[upstream]?.ports ?? [])].map(String);
        expect({ where, listening }).toEqual({
          where,
          listening: expect.arrayContaining([expect.stringContaining(String(DEFAULT_PORTS[upstream]))]),
        });
      }
      // Exactly the infrastructure the service declares (ServiceDefinition.needs), and it starts after it.
      const needs = definition.needs;
      const infrastructure = [
        { variable: 'KAFKA_BROKERS', container: 'kafka', needed: needs.eventBus || needs.persistence },
        { variable: 'MONGODB_URI', container: 'mongo', needed: needs.persistence },
        { variable: 'REDIS_URL', container: 'redis', needed: needs.cache },
      ];
      for (const { variable, container, needed } of infrastructure) {
        expect({ name, variable, set: Boolean(service?.environment?.[variable]) }).toEqual({ name, variable, set: needed });
        expect({ name, container, waitsFor: container in (service?.depends_on ?? {}) }).toEqual({ name, container, waitsFor: needed });
      }
      // Secrets come from the shell as they are (an app without them stops naming the variable).
      expect(service?.environment).toMatchObject({ ADMIN_API_KEY: null, INTERNAL_SECRET: null });
    },
  );

  it('when only the infrastructure is started (docker compose up -d kafka mongo redis), then no variable is required to read the file', () => {
    expect(composeText.match(/\$\{[A-Z_]+:?\?[^}]*\}/g) ?? []).toEqual([]);
    expect(compose.services['grafana']?.environment?.['GF_SECURITY_ADMIN_PASSWORD']).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:-.+\}$/);
  });

  it('when Prometheus scrapes the apps, then their own labels are kept (honor_labels)', () => {
    const prometheus = parse(read('infra/prometheus/prometheus.yml')) as {
      scrape_configs: Array<{ job_name: string; honor_labels?: boolean }>;
    };
    expect(prometheus.scrape_configs.find(({ job_name }) => job_name === 'tenantry')?.honor_labels).toBe(true);
  });

  it('when the app image is built, then the image that runs installs runtime dependencies only and runs the bundles with node', () => {
    const lines = read('infra/docker/Dockerfile')
      .split('\n')
      .filter((line) => !line.trim().startsWith('#'));
    // Multi-stage: the build stage installs everything (esbuild); only the last stage is the image that runs.
    const finalStage = lines.slice(lines.findLastIndex((line) => /^FROM\b/.test(line)));
    const installs = finalStage.filter((line) => /\bnpm (ci|install)\b/.test(line));
    expect(installs.length).toBeGreaterThan(0);
    for (const line of installs) expect(line).toContain('--omit=dev');
    const command = finalStage.find((line) => line.startsWith('CMD'));
    expect(command).toContain('node --import ./dist/register.cjs');
    expect(command).not.toContain('tsx');
  });
});
