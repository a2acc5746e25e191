# Builds and runs examples/consumer/main.cpp with nothing but pkg-config's flags for an
# installed pixxel: what a Makefile user would do. Called by CTest with -P.
find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} "${PREFIX}/${LIBDIR}/pkgconfig")
set(static_flag "")
if(NOT SHARED)
  set(static_flag "--static")
endif()
execute_process(COMMAND ${PKG_CONFIG} --cflags --libs ${static_flag} pixxel
  OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config does not know pixxel")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
execute_process(COMMAND ${COMPILER} -std=c++17 ${SOURCE} -o ${OUTPUT} ${flags}
  -Wl,-rpath,${PREFIX}/${LIBDIR} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building against pkg-config's flags failed")
endif()
execute_process(COMMAND ${OUTPUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the pkg-config consumer failed")
endif()
