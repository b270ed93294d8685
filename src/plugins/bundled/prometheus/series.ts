/**
 * The per-request metric families of Kong's exporter, as plain counters and preallocated histograms, kept for
 * the life of the process (as Kong's shared dict keeps them across config changes). A request never builds a
 * label or a key: each route gets its series the first time it is logged in a snapshot (a WeakMap keyed by the
 * frozen route object), each consumer its own the first time it is seen on that route, and a status code its
 * counter the first time it is answered there. The exposition text is built only on a scrape (exposition.ts).
 */
import type { Consumer, Route, Service } from '../../../pdk/kong.ts';
import { labelPairs } from './exposition.ts';

// Kong's buckets (kong/plugins/prometheus/exporter.lua, 3.10).
export const KONG_LATENCY_BUCKETS: readonly number[] = Object.freeze([1, 2, 5, 7, 10, 15, 20, 30, 50, 75, 100, 200, 500, 750, 1000, 3000, 6000]);
export const UPSTREAM_LATENCY_BUCKETS: readonly number[] = Object.freeze([25, 50, 80, 100, 250, 400, 700, 1000, 2000, 5000, 10000, 30000, 60000]);

/** DB-less Kong has one workspace. */
const WORKSPACE = 'default';

export class Counter {
  value = 0;
  /** The label pairs inside the braces, escaped. */
  readonly labels: string;

  constructor(labels: string) {
    this.labels = labels;
  }
}

export class Histogram {
  readonly labels: string;
  readonly bounds: Float64Array;
  /** Per bucket, not cumulative; the last one counts what is above every bound (+Inf). */
  readonly buckets: Float64Array;
  count = 0;
  sum = 0;

  constructor(bounds: Float64Array, labels: string) {
    this.bounds = bounds;
    this.labels = labels;
    this.buckets = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.buckets[i]!++;
    this.count++;
    this.sum += value;
  }
}

export interface Family<S> {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  /** By label pairs. */
  readonly series: Map<string, S>;
}

function family<S>(name: string, help: string, type: 'counter' | 'histogram'): Family<S> {
  return { name, help, type, series: new Map() };
}

function counterOf(f: Family<Counter>, labels: string): Counter {
  let c = f.series.get(labels);
  if (!c) f.series.set(labels, (c = new Counter(labels)));
  return c;
}

function histogramOf(f: Family<Histogram>, bounds: Float64Array, labels: string): Histogram {
  let h = f.series.get(labels);
  if (!h) f.series.set(labels, (h = new Histogram(bounds, labels)));
  return h;
}

// Kong's names, label names and help texts.
export const httpRequests = family<Counter>('kong_http_requests_total', 'HTTP status codes per consumer/service/route in Kong', 'counter');
export const kongLatency = family<Histogram>('kong_kong_latency_ms', 'Latency added by Kong and enabled plugins for each service/route in Kong', 'histogram');
export const upstreamLatency = family<Histogram>('kong_upstream_latency_ms', 'Latency added by upstream response for each service/route in Kong', 'histogram');
export const requestLatency = family<Histogram>('kong_request_latency_ms', 'Total latency incurred during requests for each service/route in Kong', 'histogram');
export const bandwidth = family<Counter>('kong_bandwidth_bytes', 'Total bandwidth (ingress/egress) throughput in bytes', 'counter');

const KONG_BOUNDS = Float64Array.from(KONG_LATENCY_BUCKETS);
const UPSTREAM_BOUNDS = Float64Array.from(UPSTREAM_LATENCY_BUCKETS);

/** The series of one route (and its service) for one consumer label ("" when none or per_consumer is off). */
export class ConsumerSeries {
  readonly #service: string;
  readonly #route: string;
  readonly #consumer: string;
  readonly #status = new Map<number, Counter>();
  #ingress: Counter | undefined;
  #egress: Counter | undefined;

  constructor(service: string, route: string, consumer: string) {
    this.#service = service;
    this.#route = route;
    this.#consumer = consumer;
  }

  /** `source` is Kong's label: "service" when the upstream answered, else "kong". */
  status(code: number, fromService: boolean): Counter {
    const key = fromService ? code * 2 + 1 : code * 2;
    let c = this.#status.get(key);
    if (!c) {
      const labels = labelPairs(['service', this.#service], ['route', this.#route], ['code', String(code)], ['source', fromService ? 'service' : 'kong'], ['workspace', WORKSPACE], ['consumer', this.#consumer]);
      this.#status.set(key, (c = counterOf(httpRequests, labels)));
    }
    return c;
  }

  get ingress(): Counter {
    return (this.#ingress ??= this.#bandwidth('ingress'));
  }

  get egress(): Counter {
    return (this.#egress ??= this.#bandwidth('egress'));
  }

  #bandwidth(direction: string): Counter {
    return counterOf(bandwidth, labelPairs(['service', this.#service], ['route', this.#route], ['direction', direction], ['workspace', WORKSPACE], ['consumer', this.#consumer]));
  }
}

export interface LatencySeries {
  readonly kong: Histogram;
  readonly upstream: Histogram;
  readonly request: Histogram;
}

export class RouteSeries {
  readonly service: string;
  readonly route: string;
  readonly anonymous: ConsumerSeries;
  #consumers: WeakMap<Consumer, ConsumerSeries> | undefined;
  #latency: LatencySeries | undefined;

  constructor(route: Route, service: Service | null) {
    // Kong: the service's name, else its host ("" for a route without one); the route's name, else its id.
    this.service = service ? (service.name ?? service.host ?? '') : '';
    this.route = route.name ?? route.id;
    this.anonymous = new ConsumerSeries(this.service, this.route, '');
  }

  /** Kong labels a consumer by username; one without is counted as no consumer. */
  forConsumer(consumer: Consumer): ConsumerSeries {
    const username = consumer.username;
    if (username === null || username === undefined) return this.anonymous;
    const consumers = (this.#consumers ??= new WeakMap());
    let s = consumers.get(consumer);
    if (!s) consumers.set(consumer, (s = new ConsumerSeries(this.service, this.route, username)));
    return s;
  }

  get latency(): LatencySeries {
    if (this.#latency) return this.#latency;
    const labels = labelPairs(['service', this.service], ['route', this.route], ['workspace', WORKSPACE]);
    return (this.#latency = {
      kong: histogramOf(kongLatency, KONG_BOUNDS, labels),
      upstream: histogramOf(upstreamLatency, UPSTREAM_BOUNDS, labels),
      request: histogramOf(requestLatency, UPSTREAM_BOUNDS, labels),
    });
  }
}

// Routes are frozen per snapshot: a new snapshot gets new entries, the series behind them stay.
let byRoute = new WeakMap<Route, RouteSeries>();

/**
 * A node that starts has no series yet, as a Kong node that starts has an empty shared dict (the series outlive
 * configs, not the node; several gateways started one after the other in one process each start from nothing).
 */
export function resetSeries(): void {
  byRoute = new WeakMap();
  for (const f of [httpRequests, kongLatency, upstreamLatency, requestLatency, bandwidth] as const) f.series.clear();
}

export function routeSeries(route: Route, service: Service | null): RouteSeries {
  let s = byRoute.get(route);
  if (!s) byRoute.set(route, (s = new RouteSeries(route, service)));
  return s;
}
