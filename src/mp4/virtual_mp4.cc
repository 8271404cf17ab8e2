#include "mp4/virtual_mp4.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace nightjar::mp4 {

using Piece = VirtualMp4::Piece;
using Table = VirtualMp4::Table;

// Appends static bytes and deferred pieces; box sizes are patched in the arena when each box
// closes, since the file position of everything (deferred pieces included) is known by then.
class LayoutBuilder {
 public:
  explicit LayoutBuilder(VirtualMp4& m) : m_(m), w_(&m.arena_) {}

  BoxWriter& w() { return w_; }
  uint64_t Pos() const { return flushed_ + (m_.arena_.size() - static_start_); }

  struct Handle {
    size_t arena;
    uint64_t pos;
  };
  Handle Open(std::string_view type) {
    const uint64_t pos = Pos();
    return {w_.Open(type), pos};
  }
  Handle OpenFull(std::string_view type, uint8_t version, uint32_t flags) {
    const uint64_t pos = Pos();
    return {w_.OpenFull(type, version, flags), pos};
  }
  void Close(Handle h) {
    const uint64_t size = Pos() - h.pos;
    for (int i = 0; i < 4; ++i) m_.arena_[h.arena + i] = static_cast<uint8_t>(size >> (24 - 8 * i));
  }

  void Deferred(Piece p) {
    Flush();
    if (p.size == 0) return;
    p.pos = flushed_;
    flushed_ += p.size;
    m_.pieces_.push_back(p);
  }
  void Flush() {
    const size_t n = m_.arena_.size() - static_start_;
    if (n == 0) return;
    Piece p;
    p.pos = flushed_;
    p.size = n;
    p.kind = Piece::Kind::kStatic;
    p.arg = static_start_;
    m_.pieces_.push_back(p);
    flushed_ += n;
    static_start_ = m_.arena_.size();
  }

 private:
  VirtualMp4& m_;
  BoxWriter w_;
  uint64_t flushed_ = 0;     // file bytes covered by pieces so far
  size_t static_start_ = 0;  // arena offset of the static bytes not yet in a piece
};

namespace {

// FNV-1a, 64 bits: a stable hash for the ETag (not a security boundary: the ETag only has to
// change when the content does, and the input describes the content completely).
struct Fnv {
  uint64_t h;
  void Add(const void* data, size_t n) {
    const auto* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  }
  void Add(uint64_t v) { Add(&v, sizeof v); }
  void Add(std::string_view s) {
    Add(s.size());
    Add(s.data(), s.size());
  }
};

std::string ComputeEtag(const Mp4Input& in, bool co64) {
  Fnv a{0xcbf29ce484222325ULL}, b{0x84222325cbf29ce4ULL};
  auto add = [&](auto v) {
    a.Add(v);
    b.Add(v);
  };
  add(std::string_view("nightjar-mp4-v1"));
  add(uint64_t{co64});
  for (const auto* list : {&in.video_entries, &in.audio_entries}) {
    add(list->size());
    for (const auto& e : *list) {
      add(std::string_view(e.codec));
      add(std::string_view(reinterpret_cast<const char*>(e.config.data()), e.config.size()));
      add(uint64_t{e.width} << 32 | e.height);
      add(uint64_t{e.sample_rate} << 16 | e.channels);
    }
  }
  for (const auto& s : in.segments) {
    for (uint64_t v :
         {s.source, s.begin, s.end, uint64_t{s.video_entry}, static_cast<uint64_t>(s.audio_entry),
          s.video_samples, s.video_sync_samples, s.audio_samples, s.video_chunks, s.audio_chunks,
          s.video_duration, s.audio_duration, uint64_t{s.has_cto}}) {
      add(v);
    }
  }
  add(static_cast<uint64_t>(in.video_edit_start));
  add(in.video_edit_duration);
  add(static_cast<uint64_t>(in.audio_edit_start));
  add(static_cast<uint64_t>(in.creation_unix_seconds));
  add(std::string_view(in.etag_salt));
  char buf[40];
  std::snprintf(buf, sizeof buf, "\"%016llx%016llx\"", static_cast<unsigned long long>(a.h),
                static_cast<unsigned long long>(b.h));
  return buf;
}

Result<void> Validate(const Mp4Input& in) {
  if (in.segments.empty()) return Err(ErrorCode::kInvalidArgument, "no segments");
  if (in.video_entries.empty()) return Err(ErrorCode::kInvalidArgument, "no video sample entry");
  uint64_t video = 0, audio = 0;
  for (const auto& s : in.segments) {
    if (s.begin > s.end || s.video_samples == 0 || s.video_entry >= in.video_entries.size() ||
        s.audio_entry >= static_cast<int64_t>(in.audio_entries.size()) || s.audio_entry < -1 ||
        s.video_sync_samples > s.video_samples || (s.audio_entry < 0 && s.audio_samples > 0) ||
        (s.audio_samples > 0 && s.audio_chunks == 0) || s.video_chunks == 0 || !s.load) {
      return Err(ErrorCode::kInvalidArgument, "inconsistent segment");
    }
    video += s.video_samples;
    audio += s.audio_samples;
  }
  if (video > UINT32_MAX || audio > UINT32_MAX) {
    return Err(ErrorCode::kInvalidArgument, "too many samples for one .mp4");
  }
  return Ok();
}

void WriteElstEntries(BoxWriter& w, bool v1, uint64_t duration, int64_t media_time) {
  if (v1) {
    w.U64(duration);
    w.U64(static_cast<uint64_t>(media_time));
  } else {
    w.U32(static_cast<uint32_t>(duration));
    w.U32(static_cast<uint32_t>(media_time));
  }
  w.U16(1);  // media_rate_integer
  w.U16(0);  // media_rate_fraction
}

// One track: which segments contribute, and the table sizes per segment.
struct TrackPlan {
  bool audio;
  bool cto = false;
  uint64_t samples = 0, syncs = 0, chunks = 0, media_duration = 0;
  uint32_t timescale = 90000;
};

uint64_t Samples(const Mp4Segment& s, bool audio) {
  return audio ? s.audio_samples : s.video_samples;
}
uint64_t Chunks(const Mp4Segment& s, bool audio) {
  return audio ? (s.audio_samples ? s.audio_chunks : 0) : s.video_chunks;
}

}  // namespace

Result<std::shared_ptr<const VirtualMp4>> VirtualMp4::Build(Mp4Input input) {
  NJ_CHECK_OK(Validate(input));
  for (bool co64 : {false, true}) {
    // The input moves into the layout; a second attempt (co64) takes it back.
    std::shared_ptr<VirtualMp4> m(new VirtualMp4(std::move(input)));
    const Mp4Input& in = m->input_;
    LayoutBuilder b(*m);
    BoxWriter& w = b.w();

    TrackPlan tracks[2] = {{false}, {true}};
    for (const auto& s : in.segments) {
      for (TrackPlan& t : tracks) {
        t.samples += Samples(s, t.audio);
        t.chunks += Chunks(s, t.audio);
        t.media_duration += t.audio ? s.audio_duration : s.video_duration;
      }
      tracks[0].syncs += s.video_sync_samples;
      tracks[0].cto |= s.has_cto;
    }
    const bool has_audio = !in.audio_entries.empty() && tracks[1].samples > 0;
    if (has_audio) tracks[1].timescale = in.audio_entries[0].sample_rate;
    if (has_audio && tracks[1].timescale == 0) {
      return Err(ErrorCode::kInvalidArgument, "audio sample entry without a sample rate");
    }
    const uint64_t media = tracks[0].media_duration;
    const int64_t start = std::clamp<int64_t>(in.video_edit_start, 0, static_cast<int64_t>(media));
    m->presentation_ = in.video_edit_duration ? in.video_edit_duration : media - start;
    const uint64_t creation = Mp4Time(in.creation_unix_seconds);

    // ftyp (§4.3)
    auto ftyp = b.Open("ftyp");
    w.FourCc("isom");
    w.U32(0x200);
    for (const char* brand : {"isom", "iso2", "avc1", "mp41"}) w.FourCc(brand);
    b.Close(ftyp);

    auto moov = b.Open("moov");
    WriteMvhd(w, {90000, m->presentation_, creation, has_audio ? 3u : 2u});
    // Segment bases (filled with the mdat position below, once the moov size is known).
    m->bases_.assign(in.segments.size(), {});
    for (size_t i = 1; i < in.segments.size(); ++i) {
      const auto& p = in.segments[i - 1];
      auto& q = m->bases_[i];
      q = m->bases_[i - 1];
      q.video_sample += p.video_samples;
      q.audio_sample += p.audio_samples;
      q.video_chunk += Chunks(p, false);
      q.audio_chunk += Chunks(p, true);
    }
    for (int ti = 0; ti < (has_audio ? 2 : 1); ++ti) {
      const TrackPlan& t = tracks[ti];
      const auto& entries = t.audio ? in.audio_entries : in.video_entries;
      // Edit list: the presentation (movie timescale) and where in the media it starts.
      uint64_t edit_duration = m->presentation_;
      int64_t empty = 0, media_start = start;
      if (t.audio) {
        media_start = in.audio_edit_start;
        if (media_start < 0) {
          empty = -media_start * 90000 / t.timescale;
          media_start = 0;
        }
        const uint64_t left = t.media_duration > static_cast<uint64_t>(media_start)
                                  ? (t.media_duration - media_start) * 90000 / t.timescale
                                  : 0;
        edit_duration = std::min<uint64_t>(
            left, m->presentation_ > static_cast<uint64_t>(empty) ? m->presentation_ - empty : 0);
      }
      auto trak = b.Open("trak");
      const auto& e0 = entries[0];
      WriteTkhd(w, {static_cast<uint32_t>(ti + 1), edit_duration + empty, creation, t.audio,
                    e0.width, e0.height});
      auto edts = b.Open("edts");
      const bool v1 = edit_duration > UINT32_MAX || media_start > INT32_MAX ||
                      static_cast<uint64_t>(empty) > UINT32_MAX;
      auto elst = b.OpenFull("elst", v1 ? 1 : 0, 0);
      w.U32(empty ? 2 : 1);
      if (empty) WriteElstEntries(w, v1, empty, -1);
      WriteElstEntries(w, v1, edit_duration, media_start);
      b.Close(elst);
      b.Close(edts);
      auto mdia = b.Open("mdia");
      WriteMdhd(w, t.timescale, t.media_duration, creation);
      WriteHdlr(w, t.audio);
      auto minf = b.Open("minf");
      WriteMediaHeaderAndDinf(w, t.audio);
      auto stbl = b.Open("stbl");
      auto stsd = b.OpenFull("stsd", 0, 0);
      w.U32(static_cast<uint32_t>(entries.size()));
      for (const auto& e : entries) NJ_CHECK_OK(WriteSampleEntry(w, e));
      b.Close(stsd);
      auto table = [&](const char* type, Table kind, uint64_t entries_count, bool stsz) {
        auto box = b.OpenFull(type, 0, 0);
        if (stsz) w.U32(0);  // sample_size 0: a table follows
        w.U32(static_cast<uint32_t>(entries_count));
        for (uint32_t i = 0; i < in.segments.size(); ++i) {
          const auto& s = in.segments[i];
          uint64_t n = kind == Table::kStss ? s.video_sync_samples : Samples(s, t.audio);
          uint64_t per = kind == Table::kStts || kind == Table::kCtts ? 8 : 4;
          if (kind == Table::kStsc || kind == Table::kStco || kind == Table::kCo64) {
            n = Chunks(s, t.audio);
            per = kind == Table::kStsc ? 12 : kind == Table::kCo64 ? 8 : 4;
          }
          Piece p;
          p.size = n * per;
          p.kind = Piece::Kind::kTable;
          p.audio = t.audio;
          p.table = kind;
          p.segment = i;
          b.Deferred(p);
        }
        b.Close(box);
      };
      table("stts", Table::kStts, t.samples, false);
      if (t.cto) table("ctts", Table::kCtts, t.samples, false);
      if (!t.audio) table("stss", Table::kStss, t.syncs, false);
      table("stsz", Table::kStsz, t.samples, true);
      table("stsc", Table::kStsc, t.chunks, false);
      if (co64) {
        table("co64", Table::kCo64, t.chunks, false);
      } else {
        table("stco", Table::kStco, t.chunks, false);
      }
      b.Close(stbl);
      b.Close(minf);
      b.Close(mdia);
      b.Close(trak);
    }
    b.Close(moov);

    // mdat (§8.1.1): a 64-bit size when the payload needs it.
    uint64_t payload = 0;
    for (const auto& s : in.segments) payload += s.end - s.begin;
    if (payload + 8 > UINT32_MAX) {
      w.U32(1);
      w.FourCc("mdat");
      w.U64(payload + 16);
    } else {
      w.U32(static_cast<uint32_t>(payload + 8));
      w.FourCc("mdat");
    }
    b.Flush();
    for (uint32_t i = 0; i < in.segments.size(); ++i) {
      const auto& s = in.segments[i];
      m->bases_[i].file_pos = b.Pos();
      Piece p;
      p.size = s.end - s.begin;
      p.kind = Piece::Kind::kMedia;
      p.segment = i;
      p.arg = s.begin;
      b.Deferred(p);
    }
    m->size_ = b.Pos();
    if (!co64 && m->size_ > UINT32_MAX) {  // chunk offsets need 64 bits
      input = std::move(m->input_);
      continue;
    }
    m->etag_ = ComputeEtag(in, co64);
    return std::shared_ptr<const VirtualMp4>(std::move(m));
  }
  return Err(ErrorCode::kInternal, "unreachable");
}

Result<std::shared_ptr<const SegmentSamples>> VirtualMp4::Load(uint32_t segment) const {
  {
    std::lock_guard lock(cache_mu_);
    for (const auto& [i, s] : cache_) {
      if (i == segment) return s;
    }
  }
  const Mp4Segment& seg = input_.segments[segment];
  NJ_TRY(SegmentSamples loaded, seg.load());
  // The layout was computed from the counts: the samples must match them exactly.
  uint64_t syncs = 0, vdur = 0, adur = 0, vchunks = 0, achunks = 0, vch = 0, ach = 0;
  for (const auto& v : loaded.video) {
    syncs += v.key;
    vdur += v.duration;
  }
  for (const auto& a : loaded.audio) adur += a.duration;
  for (const auto& c : loaded.chunks) {
    (c.audio ? achunks : vchunks)++;
    (c.audio ? ach : vch) += c.samples;
    if (c.offset < seg.begin || c.offset > seg.end) {
      return Err(ErrorCode::kInternal, "segment chunk outside its byte range");
    }
  }
  if (loaded.chunks.empty()) vchunks = 1, vch = loaded.video.size();
  if (loaded.video.size() != seg.video_samples || syncs != seg.video_sync_samples ||
      loaded.audio.size() != seg.audio_samples || vdur != seg.video_duration ||
      adur != seg.audio_duration || vchunks != seg.video_chunks ||
      achunks != (seg.audio_samples ? seg.audio_chunks : 0) || vch != loaded.video.size() ||
      ach != loaded.audio.size()) {
    return Err(ErrorCode::kInternal,
               "segment " + std::to_string(segment) + " samples disagree with its counts");
  }
  auto shared = std::make_shared<const SegmentSamples>(std::move(loaded));
  std::lock_guard lock(cache_mu_);
  if (cache_.size() >= 4) cache_.erase(cache_.begin());
  cache_.emplace_back(segment, shared);
  return shared;
}

Result<void> VirtualMp4::GenerateTable(const Piece& p, std::vector<uint8_t>* out) const {
  NJ_TRY(auto samples, Load(p.segment));
  const Mp4Segment& seg = input_.segments[p.segment];
  const SegmentBase& base = bases_[p.segment];
  out->clear();
  out->reserve(p.size);
  BoxWriter w(out);
  switch (p.table) {
    case Table::kStts:
      if (p.audio) {
        for (const auto& a : samples->audio) w.U32(1), w.U32(a.duration);
      } else {
        for (const auto& v : samples->video) w.U32(1), w.U32(v.duration);
      }
      break;
    case Table::kCtts:
      for (const auto& v : samples->video) w.U32(1), w.U32(static_cast<uint32_t>(v.cto));
      break;
    case Table::kStss:  // key frames, recovery points included (codec::IsKeyFrameNal)
      for (size_t i = 0; i < samples->video.size(); ++i) {
        if (samples->video[i].key) w.U32(static_cast<uint32_t>(base.video_sample + i + 1));
      }
      break;
    case Table::kStsz:
      if (p.audio) {
        for (const auto& a : samples->audio) w.U32(a.bytes);
      } else {
        for (const auto& v : samples->video) w.U32(v.bytes);
      }
      break;
    case Table::kStsc:
    case Table::kStco:
    case Table::kCo64: {
      std::vector<ChunkInfo> one;
      const std::vector<ChunkInfo>* chunks = &samples->chunks;
      if (chunks->empty()) {
        one.push_back({false, static_cast<uint32_t>(samples->video.size()), seg.begin});
        chunks = &one;
      }
      uint64_t n = p.audio ? base.audio_chunk : base.video_chunk;
      const uint32_t entry = p.audio ? static_cast<uint32_t>(seg.audio_entry) : seg.video_entry;
      for (const auto& c : *chunks) {
        if (c.audio != p.audio) continue;
        const uint64_t pos = base.file_pos + (c.offset - seg.begin);
        if (p.table == Table::kStsc) {
          w.U32(static_cast<uint32_t>(++n));
          w.U32(c.samples);
          w.U32(entry + 1);
        } else if (p.table == Table::kStco) {
          w.U32(static_cast<uint32_t>(pos));
        } else {
          w.U64(pos);
        }
      }
      break;
    }
  }
  if (out->size() != p.size) {
    return Err(ErrorCode::kInternal, "generated table size differs from the layout");
  }
  return Ok();
}

Result<void> VirtualMp4::ForEach(uint64_t start, uint64_t end,
                                 const std::function<Result<void>(const PieceView&)>& visit) const {
  if (start > end || end > size_) {
    return Err(ErrorCode::kInvalidArgument, "range outside the file");
  }
  auto it = std::upper_bound(pieces_.begin(), pieces_.end(), start,
                             [](uint64_t pos, const Piece& p) { return pos < p.pos; });
  if (it != pieces_.begin()) --it;
  std::vector<uint8_t> generated;
  for (; it != pieces_.end() && it->pos < end; ++it) {
    const uint64_t from = std::max(start, it->pos) - it->pos;
    const uint64_t to = std::min(end, it->pos + it->size) - it->pos;
    if (from >= to) continue;
    PieceView v;
    switch (it->kind) {
      case Piece::Kind::kStatic:
        v.bytes = std::span<const uint8_t>(arena_).subspan(it->arg + from, to - from);
        break;
      case Piece::Kind::kTable:
        NJ_CHECK_OK(GenerateTable(*it, &generated));
        v.bytes = std::span<const uint8_t>(generated).subspan(from, to - from);
        break;
      case Piece::Kind::kMedia:
        v.source = input_.segments[it->segment].source;
        v.offset = it->arg + from;
        v.length = to - from;
        break;
    }
    NJ_CHECK_OK(visit(v));
  }
  return Ok();
}

Result<void> VirtualMp4::Read(
    uint64_t start, uint64_t end, SourceReader& reader,
    const std::function<Result<void>(std::span<const uint8_t>)>& sink) const {
  std::vector<uint8_t> buf;
  return ForEach(start, end, [&](const PieceView& v) -> Result<void> {
    if (!v.is_source()) return sink(v.bytes);
    constexpr uint64_t kChunk = 1 << 20;
    buf.resize(std::min(kChunk, v.length));
    for (uint64_t done = 0; done < v.length;) {
      const uint64_t n = std::min(kChunk, v.length - done);
      std::span<uint8_t> out(buf.data(), n);
      NJ_CHECK_OK(reader.ReadAt(v.source, v.offset + done, out));
      NJ_CHECK_OK(sink(out));
      done += n;
    }
    return Ok();
  });
}

Result<ByteRange> ParseRangeHeader(std::string_view value, uint64_t size) {
  auto bad = [&](const char* why) {
    return Err(ErrorCode::kInvalidArgument, std::string(why) + ": \"" + std::string(value) + "\"");
  };
  constexpr std::string_view kUnit = "bytes=";
  if (value.substr(0, kUnit.size()) != kUnit) return bad("not a bytes range");
  std::string_view spec = value.substr(kUnit.size());
  while (!spec.empty() && spec.front() == ' ') spec.remove_prefix(1);
  while (!spec.empty() && spec.back() == ' ') spec.remove_suffix(1);
  if (spec.find(',') != std::string_view::npos) {
    return Err(ErrorCode::kUnsupported, "several ranges");
  }
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return bad("no '-' in range");
  auto number = [](std::string_view s, uint64_t* out) {
    if (s.empty() || s.size() > 19) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc() && p == s.data() + s.size();
  };
  std::string_view first = spec.substr(0, dash), last = spec.substr(dash + 1);
  uint64_t a = 0, z = 0;
  if (first.empty()) {  // suffix range
    if (!number(last, &z)) return bad("malformed suffix length");
    if (z == 0 || size == 0) return bad("unsatisfiable range");
    return ByteRange{size - std::min(z, size), size};
  }
  if (!number(first, &a)) return bad("malformed first position");
  if (a >= size) return bad("unsatisfiable range");
  if (last.empty()) return ByteRange{a, size};
  if (!number(last, &z) || z < a) return bad("malformed last position");
  return ByteRange{a, std::min(z + 1, size)};
}

}  // namespace nightjar::mp4
