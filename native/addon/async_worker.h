// Promise-returning entry points: a checked job runs on the libuv thread pool with exactly the
// code and summation order of the synchronous call, so both give the same bits.
//
// The job never touches JavaScript memory: it reads copies of the inputs taken when the call
// was made and writes copies of the outputs, which OnOK writes back into the caller's arrays
// (CallStorage, jobs.h). A caller that writes to, transfers (detaches) or resizes an array
// while the job runs therefore cannot make it read or write freed memory: inputs changed after
// the call do not change the result, and an output that is no longer attached with its length
// when the job completes rejects the promise with a RangeError naming it (nothing is written).
// The arrays stay referenced until the promise settles.
#pragma once

#include <napi.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "arguments.h"
#include "jobs.h"

namespace losskit {
namespace addon {

// Job: a copyable struct with `double run() const` that touches no JavaScript value.
template <class Job>
class KernelWorker final : public Napi::AsyncWorker {
 public:
  KernelWorker(Napi::Env env, const char* resourceName, Napi::Promise::Deferred deferred, Job job,
               CallStorage&& call)
      : Napi::AsyncWorker(env, resourceName),
        deferred_(deferred),
        job_(std::move(job)),
        call_(std::move(call)) {
    pinned_.reserve(call_.pinned.size());
    for (const Napi::Value& value : call_.pinned) {
      pinned_.push_back(Napi::Persistent(value.As<Napi::Object>()));
    }
    call_.pinned.clear();
    for (const CallStorage::Output& output : call_.outputs()) {
      outputs_.push_back(Napi::Persistent(output.value.As<Napi::Object>()));
    }
  }

 protected:
  void Execute() override { result_ = job_.run(); }

  void OnOK() override {
    const Napi::Env env = Env();
    const std::vector<CallStorage::Output>& outputs = call_.outputs();
    std::vector<void*> targets(outputs.size(), nullptr);
    // Every output must still be attached with its length before any is written.
    for (size_t k = 0; k < outputs.size(); ++k) {
      const Napi::Value value = outputs_[k].Value();
      size_t length = 0;
      void* data = nullptr;
      napi_typedarray_type type;
      if (napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr) != napi_ok ||
          length != outputs[k].length || data == nullptr) {
        Napi::RangeError error = Napi::RangeError::New(
            env, std::string(call_.function()) + ": '" + outputs[k].name +
                     "' was detached, transferred or resized while the call ran (it had " +
                     elements(outputs[k].length) + "; now " + std::to_string(length) +
                     "), so the result could not be written");
        error.Set("code", Napi::String::New(env, kArgumentErrorCode));
        deferred_.Reject(error.Value());
        return;
      }
      targets[k] = data;
    }
    for (size_t k = 0; k < outputs.size(); ++k) {
      parallelCopy(targets[k], outputs[k].copy, outputs[k].bytes);
    }
    deferred_.Resolve(Napi::Number::New(env, result_));
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Job job_;
  CallStorage call_;
  std::vector<Napi::ObjectReference> pinned_;
  std::vector<Napi::ObjectReference> outputs_;
  double result_ = 0.0;
};

// Checks the arguments with `parse(info, call)` (which throws on bad input, and copies the
// arrays the job works on) and queues the job. Bad arguments reject the promise rather than
// throw, as an async function would.
template <class Parse>
Napi::Value queueKernel(const Napi::CallbackInfo& info, const char* function,
                        const char* resourceName, Parse parse) {
  const Napi::Env env = info.Env();
  Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
  try {
    CallStorage call(env, true, function);
    auto job = parse(info, call);
    auto* worker =
        new KernelWorker<decltype(job)>(env, resourceName, deferred, std::move(job), std::move(call));
    worker->Queue();
  } catch (const Napi::Error& error) {
    deferred.Reject(error.Value());
  }
  return deferred.Promise();
}

}  // namespace addon
}  // namespace losskit
