test_sysret_SRCS :=
