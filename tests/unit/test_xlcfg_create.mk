test_xlcfg_create_SRCS := dom0-tools/lib/xlcfg.c dom0-tools/lib/xlcfg_domain.c \
	dom0-tools/lib/xlcfg_create.c dom0-tools/lib/xlcfg_disk.c dom0-tools/lib/xlcfg_vif.c dom0-tools/lib/cpulist.c
