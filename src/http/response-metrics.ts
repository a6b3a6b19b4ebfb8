/** Upper bounds (seconds) of the response time histogram's buckets. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const REQUESTS = {
  name: 'clientele_http_requests_total',
  help: 'HTTP requests answered, by method, route pattern and status',
};
const DURATION = {
  name: 'clientele_http_request_duration_seconds',
  help: 'Time from request received to response sent, by method, route pattern and status',
};

/** A label value in the exposition format: backslash, double quote and newline escaped. */
function labelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The responses of one (method, route, status): plain numbers, added to on every response. */
class Series {
  count = 0;
  sumSeconds = 0;
  /** Responses per bucket, not cumulative; those slower than the last bound are in none. */
  readonly perBucket = DURATION_BUCKETS.map(() => 0);

  constructor(readonly labels: string) {}

  record(seconds: number): void {
    this.count += 1;
    this.sumSeconds += seconds;
    for (let i = 0; i < DURATION_BUCKETS.length; i++) {
      if (seconds <= (DURATION_BUCKETS[i] as number)) {
        this.perBucket[i] = (this.perBucket[i] as number) + 1;
        return;
      }
    }
  }
}

/**
 * The request counter and response time histogram, by method, route pattern and status, in
 * Prometheus' text format (as prom-client writes it). Kept as plain numbers rather than
 * prom-client metrics: prom-client hashes the label set on every `inc` and `observe`, even on a
 * labelled child, and that was ~9 µs of a ~80 µs request on the retrieve path.
 */
export class ResponseMetrics {
  // The set is bounded: route patterns × methods × statuses.
  private readonly series = new Map<string, Series>();

  record(method: string, route: string, statusCode: number, elapsedMs: number): void {
    const key = `${method} ${statusCode} ${route}`;
    let series = this.series.get(key);
    if (series === undefined) {
      const labels = `method="${labelValue(method)}",route="${labelValue(route)}",status_code="${statusCode}"`;
      series = new Series(labels);
      this.series.set(key, series);
    }
    series.record(elapsedMs / 1000);
  }

  text(): string {
    const lines = [`# HELP ${REQUESTS.name} ${REQUESTS.help}`, `# TYPE ${REQUESTS.name} counter`];
    for (const { labels, count } of this.series.values()) {
      lines.push(`${REQUESTS.name}{${labels}} ${count}`);
    }
    lines.push(`# HELP ${DURATION.name} ${DURATION.help}`, `# TYPE ${DURATION.name} histogram`);
    for (const { labels, count, sumSeconds, perBucket } of this.series.values()) {
      let cumulative = 0;
      DURATION_BUCKETS.forEach((bound, i) => {
        cumulative += perBucket[i] as number;
        lines.push(`${DURATION.name}_bucket{le="${bound}",${labels}} ${cumulative}`);
      });
      lines.push(`${DURATION.name}_bucket{le="+Inf",${labels}} ${count}`);
      lines.push(`${DURATION.name}_sum{${labels}} ${sumSeconds}`);
      lines.push(`${DURATION.name}_count{${labels}} ${count}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
