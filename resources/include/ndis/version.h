/*
 * NDIS Lab - NDIS contract version selection (part of ndis.h).
 * The driver defines NDIS_MINIPORT_DRIVER + NDISxxx_MINIPORT (miniports) and/or
 * NDISxxx (protocols, IM drivers); this file derives NDIS_MINIPORT_MAJOR/MINOR,
 * NDIS_PROTOCOL_MAJOR/MINOR and the cumulative NDIS_SUPPORT_NDISxxx macros,
 * following the WDK's rules. Written for NDIS Lab.
 */
#ifndef _NDISLAB_NDIS_VERSION_H_
#define _NDISLAB_NDIS_VERSION_H_

#if defined(NDIS_MINIPORT_MAJOR_VERSION) || defined(NDIS_MINIPORT_MINOR_VERSION) || \
    defined(NDIS_PROTOCOL_MAJOR_VERSION) || defined(NDIS_PROTOCOL_MINOR_VERSION) || \
    defined(NDIS_FILTER_MAJOR_VERSION) || defined(NDIS_FILTER_MINOR_VERSION)
#error NDIS: Driver is re-defining NDIS reserved macros
#endif

#if defined(NDIS_MINIPORT_DRIVER)
#  if defined(NDIS687_MINIPORT)
#    define NDIS_MINIPORT_MAJOR_VERSION 6
#    define NDIS_MINIPORT_MINOR_VERSION 87
#  elif defined(NDIS686_MINIPORT)
#    define NDIS_MINIPORT_MAJOR_VERSION 6
#    define NDIS_MINIPORT_MINOR_VERSION 86
#  elif defined(NDIS685_MINIPORT)
#    define NDIS_MINIPORT_MAJOR_VERSION 6
#    define NDIS_MINIPORT_MINOR_VERSION 85
#  elif defined(NDIS684_MINIPORT)
#    define NDIS_MINIPORT_MAJOR_VERSION 6
#    define NDIS_MINIPORT_MINOR_VERSION 84
#  elif defined(NDIS683_MINIPORT)
#    define NDIS_MINIPORT_MAJOR_VERSION 6
#    define NDIS_MINIPORT_MINOR_VERSION 83
#  elif defined(NDIS682_MINIPORT)
#    define NDIS_MINIPORT_MAJOR_VERSION 6
#    define NDIS_MINIPORT_MINOR_VERSION 82
#  elif defined(NDIS681_MINIPORT)
#    define NDIS_MINIPORT_MAJOR_VERSION 6
#    define NDIS_MINIPORT_MINOR_VERSION 81
#  elif defined(NDIS680_MINIPORT)
#    define NDIS_MINIPORT_MAJOR_VERSION 6
#    define NDIS_MINIPORT_MINOR_VERSION 80
#  elif defined(NDIS670_MINIPORT)
#    define NDIS_MINIPORT_MAJOR_VERSION 6
#    define NDIS_MINIPORT_MINOR_VERSION 70
#  elif defined(NDIS660_MINIPORT)
#    define NDIS_MINIPORT_MAJOR_VERSION 6
#    define NDIS_MINIPORT_MINOR_VERSION 60
#  elif defined(NDIS651_MINIPORT)
#    define NDIS_MINIPORT_MAJOR_VERSION 6
#    define NDIS_MINIPORT_MINOR_VERSION 51
#  elif defined(NDIS650_MINIPORT)
#    define NDIS_MINIPORT_MAJOR_VERSION 6
#    define NDIS_MINIPORT_MINOR_VERSION 50
#  elif defined(NDIS640_MINIPORT)
#    define NDIS_MINIPORT_MAJOR_VERSION 6
#    define NDIS_MINIPORT_MINOR_VERSION 40
#  elif defined(NDIS630_MINIPORT)
#    define NDIS_MINIPORT_MAJOR_VERSION 6
#    define NDIS_MINIPORT_MINOR_VERSION 30
#  elif defined(NDIS620_MINIPORT)
#    define NDIS_MINIPORT_MAJOR_VERSION 6
#    define NDIS_MINIPORT_MINOR_VERSION 20
#  elif defined(NDIS61_MINIPORT)
#    define NDIS_MINIPORT_MAJOR_VERSION 6
#    define NDIS_MINIPORT_MINOR_VERSION 1
#  elif defined(NDIS60_MINIPORT)
#    define NDIS_MINIPORT_MAJOR_VERSION 6
#    define NDIS_MINIPORT_MINOR_VERSION 0
#  elif defined(NDIS51_MINIPORT) || defined(NDIS50_MINIPORT)
#    error NDIS Lab: NDIS 5.x miniports (NDIS5x_MINIPORT) are not supported; define NDIS6xx_MINIPORT.
#  else
#    error NDIS: Only NDIS miniport drivers with version >= 5 are supported
#  endif
#endif /* NDIS_MINIPORT_DRIVER */

#if defined(NDIS30)
#error NDIS: Only NDIS Protocol drivers versions >= 4 are supported
#endif

#if defined(NDIS687)
#  define NDIS_PROTOCOL_MAJOR_VERSION 6
#  define NDIS_PROTOCOL_MINOR_VERSION 87
#elif defined(NDIS686)
#  define NDIS_PROTOCOL_MAJOR_VERSION 6
#  define NDIS_PROTOCOL_MINOR_VERSION 86
#elif defined(NDIS685)
#  define NDIS_PROTOCOL_MAJOR_VERSION 6
#  define NDIS_PROTOCOL_MINOR_VERSION 85
#elif defined(NDIS684)
#  define NDIS_PROTOCOL_MAJOR_VERSION 6
#  define NDIS_PROTOCOL_MINOR_VERSION 84
#elif defined(NDIS683)
#  define NDIS_PROTOCOL_MAJOR_VERSION 6
#  define NDIS_PROTOCOL_MINOR_VERSION 83
#elif defined(NDIS682)
#  define NDIS_PROTOCOL_MAJOR_VERSION 6
#  define NDIS_PROTOCOL_MINOR_VERSION 82
#elif defined(NDIS681)
#  define NDIS_PROTOCOL_MAJOR_VERSION 6
#  define NDIS_PROTOCOL_MINOR_VERSION 81
#elif defined(NDIS680)
#  define NDIS_PROTOCOL_MAJOR_VERSION 6
#  define NDIS_PROTOCOL_MINOR_VERSION 80
#elif defined(NDIS670)
#  define NDIS_PROTOCOL_MAJOR_VERSION 6
#  define NDIS_PROTOCOL_MINOR_VERSION 70
#elif defined(NDIS660)
#  define NDIS_PROTOCOL_MAJOR_VERSION 6
#  define NDIS_PROTOCOL_MINOR_VERSION 60
#elif defined(NDIS651)
#  define NDIS_PROTOCOL_MAJOR_VERSION 6
#  define NDIS_PROTOCOL_MINOR_VERSION 51
#elif defined(NDIS650)
#  define NDIS_PROTOCOL_MAJOR_VERSION 6
#  define NDIS_PROTOCOL_MINOR_VERSION 50
#elif defined(NDIS640)
#  define NDIS_PROTOCOL_MAJOR_VERSION 6
#  define NDIS_PROTOCOL_MINOR_VERSION 40
#elif defined(NDIS630)
#  define NDIS_PROTOCOL_MAJOR_VERSION 6
#  define NDIS_PROTOCOL_MINOR_VERSION 30
#elif defined(NDIS620)
#  define NDIS_PROTOCOL_MAJOR_VERSION 6
#  define NDIS_PROTOCOL_MINOR_VERSION 20
#elif defined(NDIS61)
#  define NDIS_PROTOCOL_MAJOR_VERSION 6
#  define NDIS_PROTOCOL_MINOR_VERSION 1
#elif defined(NDIS60)
#  define NDIS_PROTOCOL_MAJOR_VERSION 6
#  define NDIS_PROTOCOL_MINOR_VERSION 0
#elif defined(NDIS51) || defined(NDIS50) || defined(NDIS40)
#  error NDIS Lab: NDIS 4.x/5.x protocols are not supported; define NDIS6xx.
#endif

#if defined(NDIS_PROTOCOL_MAJOR_VERSION)
#  define NDIS_FILTER_MAJOR_VERSION NDIS_PROTOCOL_MAJOR_VERSION
#  define NDIS_FILTER_MINOR_VERSION NDIS_PROTOCOL_MINOR_VERSION
#endif

/*
 * The WDK falls back to an NDIS 4.0 protocol on x86/x64 and fails with this
 * error on every other architecture when nothing is defined; wasm32 is an
 * "other" architecture.
 */
#if !defined(NDIS_MINIPORT_DRIVER) && !defined(NDIS_PROTOCOL_MAJOR_VERSION)
#error NDIS: Define version with NDIS### or NDIS###_MINIPORT (see top of NDIS.H)
#endif

#define NDIS_LEGACY_MINIPORT 0
#define NDIS_LEGACY_PROTOCOL 0
#define NDIS_LEGACY_DRIVER   0

/* Encoded contract version (major << 8 | minor, minor as decimal digits). */
#define NDISLAB_VER(maj, min) (((maj) << 8) | (min))
#if defined(NDIS_MINIPORT_MAJOR_VERSION)
#  define NDISLAB_MP_VER NDISLAB_VER(NDIS_MINIPORT_MAJOR_VERSION, NDIS_MINIPORT_MINOR_VERSION)
#else
#  define NDISLAB_MP_VER 0
#endif
#if defined(NDIS_PROTOCOL_MAJOR_VERSION)
#  define NDISLAB_PR_VER NDISLAB_VER(NDIS_PROTOCOL_MAJOR_VERSION, NDIS_PROTOCOL_MINOR_VERSION)
#else
#  define NDISLAB_PR_VER 0
#endif
#define NDISLAB_AT_LEAST(maj, min) \
    ((NDISLAB_MP_VER >= NDISLAB_VER(maj, min)) || (NDISLAB_PR_VER >= NDISLAB_VER(maj, min)))

/* Defined (to 1) only when supported, exactly like the WDK: test with #if or #ifdef. */
#if !defined(NDIS_SUPPORT_NDIS6) && NDISLAB_AT_LEAST(6, 0)
#  define NDIS_SUPPORT_NDIS6 1
#endif
#if !defined(NDIS_SUPPORT_NDIS61) && NDISLAB_AT_LEAST(6, 1)
#  define NDIS_SUPPORT_NDIS61 1
#endif
#if !defined(NDIS_SUPPORT_NDIS620) && NDISLAB_AT_LEAST(6, 20)
#  define NDIS_SUPPORT_NDIS620 1
#endif
#if !defined(NDIS_SUPPORT_NDIS630) && NDISLAB_AT_LEAST(6, 30)
#  define NDIS_SUPPORT_NDIS630 1
#endif
#if !defined(NDIS_SUPPORT_NDIS640) && NDISLAB_AT_LEAST(6, 40)
#  define NDIS_SUPPORT_NDIS640 1
#endif
#if !defined(NDIS_SUPPORT_NDIS650) && NDISLAB_AT_LEAST(6, 50)
#  define NDIS_SUPPORT_NDIS650 1
#endif
#if !defined(NDIS_SUPPORT_NDIS651) && NDISLAB_AT_LEAST(6, 51)
#  define NDIS_SUPPORT_NDIS651 1
#endif
#if !defined(NDIS_SUPPORT_NDIS660) && NDISLAB_AT_LEAST(6, 60)
#  define NDIS_SUPPORT_NDIS660 1
#endif
#if !defined(NDIS_SUPPORT_NDIS670) && NDISLAB_AT_LEAST(6, 70)
#  define NDIS_SUPPORT_NDIS670 1
#endif
#if !defined(NDIS_SUPPORT_NDIS680) && NDISLAB_AT_LEAST(6, 80)
#  define NDIS_SUPPORT_NDIS680 1
#endif
#if !defined(NDIS_SUPPORT_NDIS681) && NDISLAB_AT_LEAST(6, 81)
#  define NDIS_SUPPORT_NDIS681 1
#endif
#if !defined(NDIS_SUPPORT_NDIS682) && NDISLAB_AT_LEAST(6, 82)
#  define NDIS_SUPPORT_NDIS682 1
#endif
#if !defined(NDIS_SUPPORT_NDIS683) && NDISLAB_AT_LEAST(6, 83)
#  define NDIS_SUPPORT_NDIS683 1
#endif
#if !defined(NDIS_SUPPORT_NDIS684) && NDISLAB_AT_LEAST(6, 84)
#  define NDIS_SUPPORT_NDIS684 1
#endif
#if !defined(NDIS_SUPPORT_NDIS685) && NDISLAB_AT_LEAST(6, 85)
#  define NDIS_SUPPORT_NDIS685 1
#endif
#if !defined(NDIS_SUPPORT_NDIS686) && NDISLAB_AT_LEAST(6, 86)
#  define NDIS_SUPPORT_NDIS686 1
#endif
#if !defined(NDIS_SUPPORT_NDIS687) && NDISLAB_AT_LEAST(6, 87)
#  define NDIS_SUPPORT_NDIS687 1
#endif

#if defined(NDIS61_MINIPORT) || defined(NDIS60_MINIPORT) || defined(NDIS61) || defined(NDIS60)
#define NDIS_SUPPORT_60_COMPATIBLE_API 1
#else
#define NDIS_SUPPORT_60_COMPATIBLE_API 0
#endif

#define NDIS_RUNTIME_VERSION_60     (6 << 16)
#define NDIS_RUNTIME_VERSION_61     ((6 << 16) | 1)
#define NDIS_RUNTIME_VERSION_620    ((6 << 16) | 20)
#define NDIS_RUNTIME_VERSION_630    ((6 << 16) | 30)
#define NDIS_RUNTIME_VERSION_640    ((6 << 16) | 40)
#define NDIS_RUNTIME_VERSION_650    ((6 << 16) | 50)
#define NDIS_RUNTIME_VERSION_651    ((6 << 16) | 51)
#define NDIS_RUNTIME_VERSION_660    ((6 << 16) | 60)
#define NDIS_RUNTIME_VERSION_670    ((6 << 16) | 70)
#define NDIS_RUNTIME_VERSION_680    ((6 << 16) | 80)
#define NDIS_RUNTIME_VERSION_681    ((6 << 16) | 81)
#define NDIS_RUNTIME_VERSION_682    ((6 << 16) | 82)
#define NDIS_RUNTIME_VERSION_683    ((6 << 16) | 83)
#define NDIS_RUNTIME_VERSION_684    ((6 << 16) | 84)
#define NDIS_RUNTIME_VERSION_685    ((6 << 16) | 85)
#define NDIS_RUNTIME_VERSION_686    ((6 << 16) | 86)
#define NDIS_RUNTIME_VERSION_687    ((6 << 16) | 87)

#endif /* _NDISLAB_NDIS_VERSION_H_ */
