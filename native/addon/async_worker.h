// Promise-returning entry points: a checked job runs on the libuv thread pool with exactly the
// code and summation order of the synchronous call, so both give the same bits.
//
// The typed arrays of the call are pinned (persistent references held by the worker) until
// the promise settles, so they cannot be collected while the kernel reads them. The caller
// must not write to, transfer or resize them before then.
#pragma once

#include <napi.h>

#include <utility>
#include <vector>

namespace losskit {
namespace addon {

// Job: a copyable struct with `double run() const` that touches no JavaScript value.
template <class Job>
class KernelWorker final : public Napi::AsyncWorker {
 public:
  KernelWorker(Napi::Env env, const char* resourceName, Napi::Promise::Deferred deferred, Job job,
               const std::vector<Napi::Value>& pinned)
      : Napi::AsyncWorker(env, resourceName), deferred_(deferred), job_(std::move(job)) {
    pinned_.reserve(pinned.size());
    for (const Napi::Value& value : pinned) {
      pinned_.push_back(Napi::Persistent(value.As<Napi::Object>()));
    }
  }

 protected:
  void Execute() override { result_ = job_.run(); }
  void OnOK() override { deferred_.Resolve(Napi::Number::New(Env(), result_)); }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Job job_;
  std::vector<Napi::ObjectReference> pinned_;
  double result_ = 0.0;
};

// Checks the arguments with `parse(info, pinned)` (which throws on bad input) and queues the
// job. Bad arguments reject the promise rather than throw, as an async function would.
template <class Parse>
Napi::Value queueKernel(const Napi::CallbackInfo& info, const char* resourceName, Parse parse) {
  const Napi::Env env = info.Env();
  Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
  std::vector<Napi::Value> pinned;
  try {
    auto job = parse(info, pinned);
    auto* worker = new KernelWorker<decltype(job)>(env, resourceName, deferred, std::move(job), pinned);
    worker->Queue();
  } catch (const Napi::Error& error) {
    deferred.Reject(error.Value());
  }
  return deferred.Promise();
}

}  // namespace addon
}  // namespace losskit
