//! Turns a WebKitGTK engine feature on or off for one web view, by the identifier WebKit gives
//! it (`AsyncOverflowScrolling`, …): `webkit_settings_set_feature_enabled`, new in WebKitGTK
//! 2.42, which the `webkit2gtk` crate does not bind.
//!
//! The functions are looked up when called, not linked: on an older WebKitGTK the app still
//! starts, and `set_feature_enabled` answers [`NotSet::NoFeatureApi`]. Call them on GTK's main
//! thread, as every WebKitGTK call. Linux only: elsewhere there is no WebKitGTK and this crate
//! holds only [`NotSet`].

use std::fmt;

/// Why a feature was not set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotSet {
    /// This WebKitGTK has no feature API (older than 2.42), or the web view no settings.
    NoFeatureApi,
    /// This WebKitGTK has no feature with that identifier (renamed or removed).
    NoSuchFeature(String),
}

impl fmt::Display for NotSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotSet::NoFeatureApi => write!(f, "this WebKit cannot set features (WebKitGTK < 2.42)"),
            NotSet::NoSuchFeature(name) => write!(f, "this WebKit has no feature {name:?}"),
        }
    }
}

impl std::error::Error for NotSet {}

#[cfg(target_os = "linux")]
pub use linux::{feature_enabled, feature_identifiers, set_feature_enabled};

#[cfg(target_os = "linux")]
mod linux {
    use std::ffi::{c_char, c_int, c_void, CStr};

    use webkit2gtk::glib::translate::ToGlibPtr;

    use super::NotSet;

    type FeatureList = c_void;
    type Feature = c_void;

    type Settings = webkit2gtk::ffi::WebKitSettings;
    type AllFeaturesFn = unsafe extern "C" fn() -> *mut FeatureList;
    type ListLengthFn = unsafe extern "C" fn(*mut FeatureList) -> usize;
    type ListGetFn = unsafe extern "C" fn(*mut FeatureList, usize) -> *mut Feature;
    type ListUnrefFn = unsafe extern "C" fn(*mut FeatureList);
    type IdentifierFn = unsafe extern "C" fn(*mut Feature) -> *const c_char;
    type SetEnabledFn = unsafe extern "C" fn(*mut Settings, *mut Feature, c_int);
    type EnabledFn = unsafe extern "C" fn(*mut Settings, *mut Feature) -> c_int;

    /// The WebKitGTK 2.42 functions this needs, found in the running process.
    struct FeatureApi {
        all_features: AllFeaturesFn,
        list_length: ListLengthFn,
        list_get: ListGetFn,
        list_unref: ListUnrefFn,
        identifier: IdentifierFn,
        set_enabled: SetEnabledFn,
        enabled: EnabledFn,
    }

    /// The address of a function the process has loaded (WebKitGTK is linked into the app).
    #[allow(unsafe_code)]
    fn find(name: &CStr) -> Option<*mut c_void> {
        // SAFETY: `dlsym` reads a NUL-terminated name and returns an address or null; it does
        // not call what it finds.
        let found = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
        (!found.is_null()).then_some(found)
    }

    impl FeatureApi {
        #[allow(unsafe_code)]
        fn find() -> Option<FeatureApi> {
            let all_features = find(c"webkit_settings_get_all_features")?;
            let list_length = find(c"webkit_feature_list_get_length")?;
            let list_get = find(c"webkit_feature_list_get")?;
            let list_unref = find(c"webkit_feature_list_unref")?;
            let identifier = find(c"webkit_feature_get_identifier")?;
            let set_enabled = find(c"webkit_settings_set_feature_enabled")?;
            let enabled = find(c"webkit_settings_get_feature_enabled")?;
            // SAFETY: each address is the WebKitGTK function of that name, whose C signature
            // (WebKitGTK 2.42 API, unchanged since) is the type it is given here.
            unsafe {
                Some(FeatureApi {
                    all_features: std::mem::transmute::<*mut c_void, AllFeaturesFn>(all_features),
                    list_length: std::mem::transmute::<*mut c_void, ListLengthFn>(list_length),
                    list_get: std::mem::transmute::<*mut c_void, ListGetFn>(list_get),
                    list_unref: std::mem::transmute::<*mut c_void, ListUnrefFn>(list_unref),
                    identifier: std::mem::transmute::<*mut c_void, IdentifierFn>(identifier),
                    set_enabled: std::mem::transmute::<*mut c_void, SetEnabledFn>(set_enabled),
                    enabled: std::mem::transmute::<*mut c_void, EnabledFn>(enabled),
                })
            }
        }

        #[allow(unsafe_code)]
        fn set(&self, settings: *mut Settings, feature: *mut Feature, on: bool) {
            // SAFETY: callers pass live settings and a feature from a held list
            // (`with_feature`).
            unsafe { (self.set_enabled)(settings, feature, c_int::from(on)) }
        }

        #[allow(unsafe_code)]
        fn get(&self, settings: *mut Settings, feature: *mut Feature) -> bool {
            // SAFETY: as for `set`.
            unsafe { (self.enabled)(settings, feature) != 0 }
        }

        /// Calls `each` with every feature and its identifier, while the list is held.
        #[allow(unsafe_code)]
        fn each_feature(&self, mut each: impl FnMut(*mut Feature, &str) -> bool) {
            // SAFETY: the list is new (transfer full) and released below; `list_get` returns
            // features the list owns (transfer none), used only while it is held; identifiers
            // are the feature's own NUL-terminated strings, copied out by `to_string_lossy`
            // before the list goes.
            unsafe {
                let list = (self.all_features)();
                if list.is_null() {
                    return;
                }
                for index in 0..(self.list_length)(list) {
                    let feature = (self.list_get)(list, index);
                    if feature.is_null() {
                        continue;
                    }
                    let identifier = (self.identifier)(feature);
                    if identifier.is_null() {
                        continue;
                    }
                    let identifier = CStr::from_ptr(identifier).to_string_lossy();
                    if !each(feature, &identifier) {
                        break;
                    }
                }
                (self.list_unref)(list);
            }
        }
    }

    /// Turns the feature named `identifier` on or off in these settings (a web view's:
    /// `WebViewExt::settings`). Call it before the page lays anything out: a change reaches
    /// what is already drawn only when WebKit next rebuilds it.
    pub fn set_feature_enabled(
        settings: &webkit2gtk::Settings,
        identifier: &str,
        enabled: bool,
    ) -> Result<(), NotSet> {
        with_feature(settings, identifier, |api, pointer, feature| {
            api.set(pointer, feature, enabled);
        })
    }

    /// Whether the feature named `identifier` is on in these settings.
    pub fn feature_enabled(
        settings: &webkit2gtk::Settings,
        identifier: &str,
    ) -> Result<bool, NotSet> {
        let mut on = false;
        with_feature(settings, identifier, |api, pointer, feature| {
            on = api.get(pointer, feature);
        })?;
        Ok(on)
    }

    /// Runs `then` with the settings' pointer and the feature of that identifier, both alive
    /// while it runs.
    fn with_feature(
        settings: &webkit2gtk::Settings,
        identifier: &str,
        mut then: impl FnMut(&FeatureApi, *mut Settings, *mut Feature),
    ) -> Result<(), NotSet> {
        let api = FeatureApi::find().ok_or(NotSet::NoFeatureApi)?;
        // Borrowed from `settings`, which outlives this call.
        let pointer: *mut Settings = settings.to_glib_none().0;
        let mut found = false;
        api.each_feature(|feature, name| {
            if name != identifier {
                return true;
            }
            then(&api, pointer, feature);
            found = true;
            false
        });
        if found {
            Ok(())
        } else {
            Err(NotSet::NoSuchFeature(identifier.to_owned()))
        }
    }

    /// Every feature this WebKitGTK has, by identifier (empty before 2.42).
    pub fn feature_identifiers() -> Vec<String> {
        let mut names = Vec::new();
        if let Some(api) = FeatureApi::find() {
            api.each_feature(|_, name| {
                names.push(name.to_owned());
                true
            });
        }
        names
    }
}
