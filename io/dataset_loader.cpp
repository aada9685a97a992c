// DataLoader: a bounded prefetch pool. Workers claim batch numbers in order, build them with make_batch
// (a pure function of the index, the options and the number) and park them until next() asks.
#include "io/dataset_loader.h"

#include <cstring>
#include <system_error>

#include "core/error.h"
#include "io/dataset_sampling.h"
#include "io/image.h"

namespace dpt {

namespace {

// Decodes one sample's image and IUV into [3, H, W] slots of two batch tensors.
void load_sample(const DatasetIndex& index, const DatasetSample& s, IUVOrder order, float* image_dst, float* iuv_dst) {
  const Image8 img = read_image(s.image);
  DPT_CHECK(img.height == index.height() && img.width == index.width(),
            s.image << ": size " << img.height << "x" << img.width << " (HxW) differs from the dataset's "
                    << index.height() << "x" << index.width());
  const Tensor x = image_to_tensor(img);
  const Tensor iuv = read_iuv(s.iuv, order);
  check_iuv_matches_image(s.iuv, iuv.size(1), iuv.size(2), s.image, img.height, img.width);
  const size_t bytes = sizeof(float) * 3 * size_t(img.height) * size_t(img.width);
  std::memcpy(image_dst, x.data<float>(), bytes);
  std::memcpy(iuv_dst, iuv.data<float>(), bytes);
}

}  // namespace

Batch make_batch(const DatasetIndex& index, const LoaderOptions& opt, int64_t i) {
  DPT_CHECK(index.validated(), "loader: validate() the dataset index of " << index.root() << " first");
  DPT_CHECK(opt.batch_size > 0, "loader: batch size must be positive, got " << opt.batch_size);
  const int64_t N = opt.batch_size, H = index.height(), W = index.width(), plane = 3 * H * W;
  Batch b;
  b.index = i;
  if (opt.kind == BatchKind::Pairs) {
    ItemStream stream(static_cast<int64_t>(index.pairs().size()), opt.seed, opt.shuffle);
    b.x_s = Tensor::empty({N, 3, H, W});
    b.iuv_s = Tensor::empty({N, 3, H, W});
    b.iuv_t = Tensor::empty({N, 3, H, W});
    b.y = Tensor::empty({N, 3, H, W});
    for (int64_t n = 0; n < N; ++n) {
      const auto& pr = index.pairs()[static_cast<size_t>(stream.item(i * N + n))];
      const DatasetSample &src = index.samples()[pr.first], &dst = index.samples()[pr.second];
      load_sample(index, src, opt.iuv_order, b.x_s.data<float>() + n * plane, b.iuv_s.data<float>() + n * plane);
      load_sample(index, dst, opt.iuv_order, b.y.data<float>() + n * plane, b.iuv_t.data<float>() + n * plane);
      b.names.push_back(src.name + ">" + dst.name);
    }
    return b;
  }
  const int64_t K = opt.views;
  DPT_CHECK(K > 0, "loader: views (K) must be positive, got " << K);
  const std::vector<int> persons = index.multi_view_persons();
  DPT_CHECK(!persons.empty(), "dataset " << index.root() << " split " << index.split()
                                         << ": no person has two or more views (needed for the inpainting stage)");
  ItemStream stream(static_cast<int64_t>(persons.size()), opt.seed, opt.shuffle);
  b.x_views = Tensor::empty({N, K, 3, H, W});
  b.iuv_views = Tensor::empty({N, K, 3, H, W});
  for (int64_t n = 0; n < N; ++n) {
    const int64_t k = i * N + n;
    const int person = persons[static_cast<size_t>(stream.item(k))];
    const std::vector<int> views = pick_views(index.person_views()[static_cast<size_t>(person)], int(K), opt.seed, k);
    std::string names;
    for (int64_t v = 0; v < K; ++v) {
      const DatasetSample& s = index.samples()[static_cast<size_t>(views[v])];
      load_sample(index, s, opt.iuv_order, b.x_views.data<float>() + (n * K + v) * plane,
                  b.iuv_views.data<float>() + (n * K + v) * plane);
      names += (v ? "," : "") + s.name;
    }
    b.names.push_back(names);
  }
  return b;
}

DataLoader::DataLoader(DatasetIndex index, LoaderOptions opt) : index_(std::move(index)), opt_(opt) {
  DPT_CHECK(index_.validated(), "loader: validate() the dataset index of " << index_.root() << " first");
  DPT_CHECK(opt_.first_batch >= 0, "loader: first_batch must be >= 0, got " << opt_.first_batch);
  DPT_CHECK(opt_.workers >= 0 && opt_.prefetch >= 1, "loader: need workers >= 0 and prefetch >= 1");
  next_to_make_ = next_to_return_ = opt_.first_batch;
  try {
    for (int t = 0; t < opt_.workers; ++t) threads_.emplace_back([this] { worker(); });
  } catch (const std::system_error&) {
    // No more threads (a system limit): the workers started so far decode, or next() itself when none
    // started. Throwing here would leave joinable threads behind, which terminates the process.
  }
}

DataLoader::~DataLoader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void DataLoader::worker() {
  for (;;) {
    int64_t i;
    {
      std::unique_lock<std::mutex> lock(mu_);
      // Stay at most `prefetch` batches ahead of the consumer.
      cv_.wait(lock, [&] { return stop_ || next_to_make_ < next_to_return_ + opt_.prefetch; });
      if (stop_) return;
      i = next_to_make_++;
    }
    Batch b;
    std::exception_ptr err;
    try {
      b = make_batch(index_, opt_, i);
    } catch (...) {
      err = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (err)
        failed_[i] = err;
      else
        ready_[i] = std::move(b);
    }
    cv_.notify_all();
  }
}

Batch DataLoader::next() {
  if (threads_.empty()) return make_batch(index_, opt_, next_to_return_++);
  std::unique_lock<std::mutex> lock(mu_);
  const int64_t i = next_to_return_;
  cv_.wait(lock, [&] { return ready_.count(i) || failed_.count(i); });
  ++next_to_return_;
  auto f = failed_.find(i);
  if (f != failed_.end()) {
    std::exception_ptr err = f->second;
    failed_.erase(f);
    lock.unlock();
    cv_.notify_all();
    std::rethrow_exception(err);
  }
  Batch b = std::move(ready_.at(i));
  ready_.erase(i);
  lock.unlock();
  cv_.notify_all();  // a worker may start the next batch
  return b;
}

int64_t DataLoader::batches_per_epoch() const {
  const int64_t items = opt_.kind == BatchKind::Pairs ? static_cast<int64_t>(index_.pairs().size())
                                                      : static_cast<int64_t>(index_.multi_view_persons().size());
  return (items + opt_.batch_size - 1) / opt_.batch_size;
}

}  // namespace dpt
