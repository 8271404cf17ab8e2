#include "base/log_tail.h"

#include <spdlog/pattern_formatter.h>

#include <memory>

namespace nightjar {
namespace {

void Replace(std::string& text, const std::string& secret) {
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
}

}  // namespace

LogTail::LogTail(size_t max_lines, size_t max_bytes)
    : max_lines_(std::max<size_t>(1, max_lines)), max_bytes_(max_bytes) {
  // Only the time: the level and the message are kept apart.
  formatter_ = std::make_unique<spdlog::pattern_formatter>(
      "%Y-%m-%dT%H:%M:%S.%e%z", spdlog::pattern_time_type::local, std::string());
}

void LogTail::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t time;
  formatter_->format(msg, time);
  Line line;
  line.seq = next_seq_++;
  line.time.assign(time.data(), time.size());
  line.level = msg.level;
  line.message.assign(msg.payload.data(), msg.payload.size());
  for (const auto& secret : secrets_) Replace(line.message, secret);
  if (line.message.size() > kMaxLineBytes) line.message.resize(kMaxLineBytes);
  bytes_ += line.time.size() + line.message.size();
  lines_.push_back(std::move(line));
  while (lines_.size() > 1 && (lines_.size() > max_lines_ || bytes_ > max_bytes_)) {
    bytes_ -= lines_.front().time.size() + lines_.front().message.size();
    lines_.pop_front();
    ++dropped_;
  }
}

std::vector<LogTail::Line> LogTail::Last(size_t n, spdlog::level::level_enum min_level) {
  std::lock_guard lock(mutex_);
  std::vector<Line> out;
  for (auto it = lines_.rbegin(); it != lines_.rend() && out.size() < n; ++it) {
    if (it->level >= min_level) out.push_back(*it);
  }
  return {out.rbegin(), out.rend()};
}

uint64_t LogTail::dropped() {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void LogTail::Redact(std::string secret) {
  if (secret.empty()) return;
  std::lock_guard lock(mutex_);
  for (Line& l : lines_) {
    const size_t before = l.message.size();
    Replace(l.message, secret);
    bytes_ = bytes_ - before + l.message.size();
  }
  secrets_.push_back(std::move(secret));
}

}  // namespace nightjar
