#ifndef PIXXEL_CANCELLATION_HPP_
#define PIXXEL_CANCELLATION_HPP_

/// @file
/// Stopping a call from another thread: `CancellationSource`, its `CancellationToken`, and
/// the `CancelledError` a cancelled call throws.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "pixxel/errors.hpp"
#include "pixxel/export.hpp"

namespace pixxel {

namespace internal {
struct CancelState;
}  // namespace internal

class CancellationToken;

/// Keeps a callback registered with `CancellationToken::on_cancel`; destroying it (or calling
/// `reset`) unregisters the callback. Move-only.
class PIXXEL_EXPORT CancellationRegistration {
 public:
  CancellationRegistration() = default;
  ~CancellationRegistration() { reset(); }
  CancellationRegistration(CancellationRegistration&& other) noexcept;
  CancellationRegistration& operator=(CancellationRegistration&& other) noexcept;
  CancellationRegistration(const CancellationRegistration&) = delete;
  CancellationRegistration& operator=(const CancellationRegistration&) = delete;

  /// Unregisters the callback. If it is running on another thread at that moment, waits until
  /// it has returned, so that nothing it uses may be destroyed under it.
  void reset() noexcept;

 private:
  friend class CancellationToken;
  std::shared_ptr<internal::CancelState> state_;
  std::uint64_t id_ = 0;
};

/// Tells a call whether, and wakes it when, its `CancellationSource` was cancelled. Pass it
/// in `CallOptions::cancel`. A default-constructed token is never cancelled.
///
/// @par Thread Safety
/// Tokens are cheap to copy (copies share one state) and may be used from any thread.
class PIXXEL_EXPORT CancellationToken {
 public:
  /// A token that is never cancelled.
  CancellationToken() = default;

  /// Whether `cancel()` was called on the source.
  bool cancelled() const noexcept;

  /// Whether this token can ever be cancelled (false for a default-constructed one).
  bool can_be_cancelled() const noexcept { return state_ != nullptr; }

  /// Runs `callback` once when the source is cancelled, on the thread that calls
  /// `CancellationSource::cancel()`, or at once on this thread if it already was. It must be
  /// quick and must not throw. For transports and other code that waits on something a
  /// cancellation must interrupt.
  /// @returns a registration that unregisters the callback when destroyed.
  [[nodiscard]] CancellationRegistration on_cancel(std::function<void()> callback) const;

 private:
  friend class CancellationSource;
  explicit CancellationToken(std::shared_ptr<internal::CancelState> state)
      : state_(std::move(state)) {}
  std::shared_ptr<internal::CancelState> state_;
};

/// Cancels the calls given its tokens.
///
/// @code
/// pixxel::CancellationSource stop;
/// pixxel::CallOptions call;
/// call.cancel = stop.token();
/// std::thread waiter([&] { client.wait_for_job(wf, job, {}, call); });
/// stop.cancel();  // the wait throws pixxel::CancelledError within about 100 ms
/// @endcode
///
/// @par Thread Safety
/// `cancel()` may be called from any thread, any number of times; only the first counts.
class PIXXEL_EXPORT CancellationSource {
 public:
  /// A source that is not cancelled yet.
  CancellationSource();

  /// A token that follows this source (copies of the source share one state).
  CancellationToken token() const { return CancellationToken(state_); }

  /// Cancels every call given a token of this source: each ends with `CancelledError`. Runs
  /// the callbacks registered with `CancellationToken::on_cancel` before it returns.
  void cancel() noexcept;

  /// Whether `cancel()` was called.
  bool cancelled() const noexcept;

 private:
  std::shared_ptr<internal::CancelState> state_;
};

/// A call was cancelled through its `CallOptions::cancel` token, before it could finish.
class PIXXEL_EXPORT CancelledError : public Error {
 public:
  /// @param what the message, naming the call (never the key).
  /// @param request_sent false only when no byte of the request can have reached the server.
  explicit CancelledError(const std::string& what, bool request_sent)
      : Error(what), request_sent_(request_sent) {}

  /// Whether the request may have reached the server (so a cancelled `create_job` may have
  /// created a job); false when it provably never left (cancelled while queued, connecting,
  /// or sleeping before a retry that had not sent anything).
  bool request_sent() const noexcept { return request_sent_; }

 private:
  bool request_sent_;
};

}  // namespace pixxel

#endif  // PIXXEL_CANCELLATION_HPP_
