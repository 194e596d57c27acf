/*
 * NDIS Lab - compiler glue shared by every lab header.
 *
 * Written for NDIS Lab (wasm32 target, clang).  Not part of the WDK: it
 * provides the import convention and the MSVC-compatibility shims the other
 * headers rely on.  Drivers never need to include it directly.
 */
#ifndef _NDISLAB_H_
#define _NDISLAB_H_

#if !defined(__wasm32__)
#error NDIS Lab headers target wasm32 only (compile with --target=wasm32).
#endif

/* WCHAR is UTF-16 on Windows: L"..." must be 16-bit, so -fshort-wchar is mandatory. */
#if __WCHAR_WIDTH__ != 16
#error NDIS Lab: compile with -fshort-wchar (WCHAR and L"..." literals must be 16-bit like on Windows).
#endif

/*
 * Import convention: every routine the NDIS Lab simulator implements is a
 * wasm import in module "ndis" whose field name is the C name of the routine.
 *   NDIS_LAB_IMPORT(NdisMSleep) VOID NdisMSleep(ULONG MicrosecondsToSleep);
 * becomes  (import "ndis" "NdisMSleep" (func (param i32)))
 */
/*
 * Which imports the simulator implements: the build service generates
 * ndis_lab_availability.h for each build, defining NDIS_LAB_AVAILABLE_<Name> for
 * every declared import - empty when the simulator implements it, otherwise
 * __attribute__((unavailable("..."))), so a call to it is a compile error at the
 * call's line. Without that header (header-only checks) every import is available.
 */
#if defined(__has_include)
#  if __has_include(<ndis_lab_availability.h>)
#    include <ndis_lab_availability.h>
#  endif
#endif
#if defined(NDIS_LAB_AVAILABILITY_KNOWN)
#  define NDIS_LAB_IMPORT(name) \
    __attribute__((import_module("ndis"), import_name(#name))) NDIS_LAB_AVAILABLE_##name
#else
#  define NDIS_LAB_IMPORT(name) \
    __attribute__((import_module("ndis"), import_name(#name)))
#endif

/*
 * An inline helper in these headers that calls imports is itself unavailable
 * when one of them is: a driver that never calls the helper builds, and one
 * that does is told which function is missing.
 */
#if defined(NDIS_LAB_AVAILABILITY_KNOWN)
#  define NDIS_LAB_INLINE_NEEDS(name) NDIS_LAB_AVAILABLE_##name
#else
#  define NDIS_LAB_INLINE_NEEDS(name)
#endif

/* Definitions the driver must export to the simulator (DriverEntry). */
#define NDIS_LAB_EXPORT(name) \
    __attribute__((export_name(#name), used))

/* Diagnostics that real WDK code triggers but that are not bugs here. */
#pragma clang diagnostic ignored "-Wmultichar"            /* pool tags: 'tseT' */
#pragma clang diagnostic ignored "-Wunknown-pragmas"      /* #pragma prefast(...), warning(...) without -fms-extensions */
#pragma clang diagnostic ignored "-Wmicrosoft-anon-tag"
#pragma clang diagnostic ignored "-Wignored-pragma-intrinsic"
#pragma clang diagnostic ignored "-Wpragma-pack"

/*
 * MSVC keywords. With -fms-extensions clang provides __int64, __forceinline,
 * __declspec, __inline, __cdecl natively; without it we map them.
 */
#if !defined(_MSC_EXTENSIONS)
#  ifndef __int64
#    define __int64 long long
#  endif
#  ifndef __int32
#    define __int32 int
#  endif
#  ifndef __int16
#    define __int16 short
#  endif
#  ifndef __int8
#    define __int8 char
#  endif
#  ifndef __forceinline
#    define __forceinline __inline__ __attribute__((__always_inline__))
#  endif
#  ifndef __declspec
#    define __declspec(x)
#  endif
#endif
#ifndef __cdecl
#  define __cdecl
#endif
#ifndef __stdcall
#  define __stdcall
#endif
#ifndef __fastcall
#  define __fastcall
#endif
#ifndef __unaligned
#  define __unaligned
#endif
#ifndef __ptr64
#  define __ptr64
#endif
#ifndef __ptr32
#  define __ptr32
#endif
#ifndef __w64
#  define __w64
#endif

/* Lab-only helper for inline functions in headers. */
#define NDIS_LAB_INLINE static __inline__ __attribute__((__always_inline__, __unused__))

#endif /* _NDISLAB_H_ */
