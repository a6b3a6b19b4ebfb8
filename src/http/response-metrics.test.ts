import { describe, expect, it } from 'vitest';
import { ResponseMetrics } from './response-metrics.js';

describe('ResponseMetrics', () => {
  it('writes a counter and a cumulative histogram per (method, route, status)', () => {
    const metrics = new ResponseMetrics();
    for (const ms of [0.5, 1, 3, 30, 12_000]) metrics.record('GET', '/things/:id', 200, ms);
    metrics.record('GET', '/things/:id', 404, 2);
    const lines = metrics.text().split('\n');
    const labels = 'method="GET",route="/things/:id",status_code="200"';
    const value = (prefix: string) =>
      Number(lines.find((line) => line.startsWith(`${prefix} `))?.split(' ')[1]);

    expect(lines).toContain('# TYPE clientele_http_requests_total counter');
    expect(lines).toContain('# TYPE clientele_http_request_duration_seconds histogram');
    expect(value(`clientele_http_requests_total{${labels}}`)).toBe(5);
    expect(
      value('clientele_http_requests_total{method="GET",route="/things/:id",status_code="404"}'),
    ).toBe(1);
    const bucket = (le: string) =>
      value(`clientele_http_request_duration_seconds_bucket{le="${le}",${labels}}`);
    // The bound is inclusive: 1 ms lands in le="0.001".
    expect(bucket('0.001')).toBe(2);
    expect(bucket('0.0025')).toBe(2);
    expect(bucket('0.005')).toBe(3);
    expect(bucket('0.025')).toBe(3);
    expect(bucket('0.05')).toBe(4);
    expect(bucket('10')).toBe(4);
    expect(bucket('+Inf')).toBe(5);
    expect(value(`clientele_http_request_duration_seconds_sum{${labels}}`)).toBeCloseTo(12.0345);
    expect(value(`clientele_http_request_duration_seconds_count{${labels}}`)).toBe(5);
  });

  it('escapes label values', () => {
    const metrics = new ResponseMetrics();
    metrics.record('GET', 'a"b\\c\nd', 200, 1);
    expect(metrics.text()).toContain(
      'clientele_http_requests_total{method="GET",route="a\\"b\\\\c\\nd",status_code="200"} 1',
    );
  });

  it('shows only the metric headers before the first response', () => {
    expect(new ResponseMetrics().text().split('\n').filter(Boolean)).toHaveLength(4);
  });
});
