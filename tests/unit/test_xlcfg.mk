test_xlcfg_SRCS := dom0-tools/lib/xlcfg.c dom0-tools/lib/xlcfg_domain.c
