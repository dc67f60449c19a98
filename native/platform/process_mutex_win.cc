// process_mutex_win.cc — ProcessMutex on Windows (see process_mutex.h).
#if defined(_WIN32)
#error "not yet written"
#endif  // _WIN32
