#ifndef PIXXEL_WAIT_DRIVERS_HPP_
#define PIXXEL_WAIT_DRIVERS_HPP_

// The drivers of wait_for_job, in one room over the rules of wait.hpp: the blocking wait
// (PixxelClient::wait_for_job), the real connection's asynchronous one (its polls on the loop,
// its pauses the loop's timers), and the asynchronous one for a connection without a loop (a
// mock), on a thread of its own. Not public API.

#include <future>
#include <memory>
#include <string>
#include <string_view>

#include "pixxel/call_options.hpp"
#include "pixxel/connection.hpp"
#include "pixxel/models.hpp"
#include "pixxel/wait_options.hpp"

namespace pixxel::internal {

class RealConnection;

// Polls `connection.get_job` until the job is terminal, pausing between polls on the calling
// thread; `call.cancel` ends it, also during a pause. Throws what the rules throw.
Job wait_blocking(Connection& connection, std::string_view workflow_id, std::string_view job_id,
                  const WaitOptions& wait, const CallOptions& call);

// wait_blocking on a thread of its own, for a connection that has no loop: the future gets the
// job or the error (argument errors too). The thread holds the connection until the wait ends,
// and lets go of it before the future is ready. The thread is joined: once it ended, when the
// next such wait starts, and at the latest when the program exits (a wait still running then is
// cancelled first). The future's destructor never waits for it.
std::future<Job> wait_on_thread(std::shared_ptr<Connection> connection, std::string workflow_id,
                                std::string job_id, WaitOptions wait, CallOptions call);

// The real connection's wait: each poll an asynchronous get_job, each pause a timer of its
// loop. Argument errors arrive through the future; the connection's destruction fails a wait
// in progress.
std::future<Job> wait_on_loop(RealConnection& connection, std::string_view workflow_id,
                              std::string_view job_id, const WaitOptions& wait,
                              const CallOptions& call);

}  // namespace pixxel::internal

#endif  // PIXXEL_WAIT_DRIVERS_HPP_
