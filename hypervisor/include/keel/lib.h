/*
 * The small C library the hypervisor carries (common/lib.c).  In host
 * unit tests the C library provides these instead.
 */
#ifndef KEEL_LIB_H
#define KEEL_LIB_H
#include <keel/types.h>
#include <stdarg.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

#ifndef KEEL_HOST_TEST
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#else
#include <stdio.h>
#include <string.h>
#endif

#endif
