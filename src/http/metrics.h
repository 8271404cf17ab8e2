// Request metrics of the HTTP server, exported in the Prometheus text format (version 0.0.4).
//
// This module owns the per-route request counters and latency histograms the server records
// after each response, and the Prometheus text writing helpers every /metrics producer uses
// (label escaping, one sample per line).
//
// Thread safety: Record and AppendPrometheus may be called from any thread (one mutex; a
// record is a map lookup and a few increments).
#ifndef NIGHTJAR_HTTP_METRICS_H_
#define NIGHTJAR_HTTP_METRICS_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nightjar::http {

class RequestMetrics {
 public:
  // Histogram bucket upper bounds, seconds.
  static constexpr std::array<double, 10> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,  0.1,    0.5,   1,    5};

  // One finished request: `route` is the matched pattern ("/api/cameras/{id}") or "unmatched",
  // so label cardinality stays bounded by the route table.
  void Record(std::string_view route, int status, std::chrono::nanoseconds latency);

  // Appends nightjar_http_requests_total{route,code} and
  // nightjar_http_request_duration_seconds{route} (histogram) to `out`.
  void AppendPrometheus(std::string& out) const;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};  // non-cumulative counts
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, Histogram, std::less<>> latency_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
};

// Prometheus text helpers. Labels are (name, value) pairs; values are escaped (\\, \", \n).
using Labels = std::vector<std::pair<std::string_view, std::string_view>>;
// "# HELP name help\n# TYPE name type\n"
void AppendMetricHeader(std::string& out, std::string_view name, std::string_view type,
                        std::string_view help);
// "name{a="x",b="y"} value\n" (no braces without labels). Integers print exactly.
void AppendSample(std::string& out, std::string_view name, const Labels& labels, double value);
void AppendSample(std::string& out, std::string_view name, const Labels& labels, uint64_t value);

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_METRICS_H_
