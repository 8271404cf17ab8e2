#include "http/metrics.h"

#include <fmt/format.h>

namespace nightjar::http {
namespace {

void AppendLabels(std::string& out, const Labels& labels) {
  if (labels.empty()) return;
  out += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    for (char c : value) {
      if (c == '\\') {
        out += "\\\\";
      } else if (c == '"') {
        out += "\\\"";
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    out += '"';
  }
  out += '}';
}

}  // namespace

void RequestMetrics::Record(std::string_view route, int status, std::chrono::nanoseconds latency) {
  const double secs = std::chrono::duration<double>(latency).count();
  std::lock_guard lock(mu_);
  auto it = latency_.find(route);
  if (it == latency_.end()) it = latency_.emplace(std::string(route), Histogram{}).first;
  Histogram& h = it->second;
  size_t b = 0;
  while (b < kBuckets.size() && secs > kBuckets[b]) ++b;
  if (b < kBuckets.size()) h.buckets[b]++;
  h.count++;
  h.sum += secs;
  requests_[{std::string(route), status}]++;
}

void RequestMetrics::AppendPrometheus(std::string& out) const {
  std::lock_guard lock(mu_);
  AppendMetricHeader(out, "nightjar_http_requests_total", "counter",
                     "HTTP requests answered, by route pattern and status code.");
  for (const auto& [key, n] : requests_) {
    const std::string code = std::to_string(key.second);
    AppendSample(out, "nightjar_http_requests_total", {{"route", key.first}, {"code", code}}, n);
  }
  AppendMetricHeader(out, "nightjar_http_request_duration_seconds", "histogram",
                     "Time from the request's header to the response's last byte.");
  for (const auto& [route, h] : latency_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.buckets[i];
      const std::string le = fmt::format("{}", kBuckets[i]);
      AppendSample(out, "nightjar_http_request_duration_seconds_bucket",
                   {{"route", route}, {"le", le}}, cumulative);
    }
    AppendSample(out, "nightjar_http_request_duration_seconds_bucket",
                 {{"route", route}, {"le", "+Inf"}}, h.count);
    AppendSample(out, "nightjar_http_request_duration_seconds_sum", {{"route", route}}, h.sum);
    AppendSample(out, "nightjar_http_request_duration_seconds_count", {{"route", route}}, h.count);
  }
}

void AppendMetricHeader(std::string& out, std::string_view name, std::string_view type,
                        std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void AppendSample(std::string& out, std::string_view name, const Labels& labels, double value) {
  out += name;
  AppendLabels(out, labels);
  out += fmt::format(" {}\n", value);
}

void AppendSample(std::string& out, std::string_view name, const Labels& labels, uint64_t value) {
  out += name;
  AppendLabels(out, labels);
  out += fmt::format(" {}\n", value);
}

}  // namespace nightjar::http
