/**
 * Bound profile packages (SGP.22 §2.5.4, §2.5.5): the BF36 structure, its segmentation for loading, the
 * readable StoreMetadata, the SM-DP+'s binding of a profile to a session ({@link io.vinbind.esim.bpp.BppBuilder}),
 * and the interoperable profile-element format of the profile inside ({@link io.vinbind.esim.bpp.ProfilePackage}).
 */
package io.vinbind.esim.bpp;
