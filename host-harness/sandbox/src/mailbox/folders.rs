//! Mail folders as a mailbox keeps them: a tree of named folders, each with the tag the messages
//! filed in it carry, the change numbers at which each was created and last changed, and the
//! folders removed since, so that a folder sync can report them.

/// One folder of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Folder {
    /// Its number in the mailbox (never reused), from which its id is made.
    pub number: u64,
    /// What the messages filed in it carry.
    pub tag: String,
    /// Its display name.
    pub name: String,
    /// The tag of the folder it is in; `None` for the root.
    pub parent: Option<String>,
    /// Hidden from folder lists unless asked for.
    pub hidden: bool,
    /// Whether its tag is a well-known name that requests may use instead of its id.
    pub well_known: bool,
    /// The change number at which it was created.
    pub created: u64,
    /// The change number of its last change: created, renamed or moved.
    pub changed: u64,
}

impl Folder {
    /// A folder of the tree a mailbox starts with, numbered `number`.
    pub fn initial(number: u64, tag: &str, name: &str, parent: Option<&str>) -> Folder {
        Folder {
            number,
            tag: tag.to_owned(),
            name: name.to_owned(),
            parent: parent.map(str::to_owned),
            hidden: false,
            well_known: false,
            created: 0,
            changed: 0,
        }
    }
}

/// A folder removed from the tree for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Removal {
    /// The change number of the removal.
    pub number: u64,
    /// The folder's number.
    pub folder: u64,
    /// The change number at which the folder was created.
    pub created: u64,
}

/// The folder tree of a mailbox (empty for a provider without folders).
#[derive(Clone, Debug, Default)]
pub(crate) struct Folders {
    list: Vec<Folder>,
    removed: Vec<Removal>,
    next: u64,
}

impl Folders {
    /// A tree of `list` (the root first), nothing removed yet.
    pub fn new(list: Vec<Folder>) -> Folders {
        let next = list.iter().map(|f| f.number + 1).max().unwrap_or(0);
        Folders {
            list,
            removed: Vec::new(),
            next,
        }
    }

    /// Every folder, in the order of their numbers.
    pub fn iter(&self) -> impl Iterator<Item = &Folder> {
        self.list.iter()
    }

    /// The folder tagged `tag`.
    pub fn get(&self, tag: &str) -> Option<&Folder> {
        self.list.iter().find(|f| f.tag == tag)
    }

    /// The folder numbered `number`.
    pub fn numbered(&self, number: u64) -> Option<&Folder> {
        self.list.iter().find(|f| f.number == number)
    }

    /// The folders directly in the folder tagged `tag`.
    pub fn children<'a>(&'a self, tag: &'a str) -> impl Iterator<Item = &'a Folder> + 'a {
        self.list
            .iter()
            .filter(move |f| f.parent.as_deref() == Some(tag))
    }

    /// Whether the folder tagged `tag` is the one tagged `ancestor` or lies under it.
    pub fn within(&self, tag: &str, ancestor: &str) -> bool {
        let mut current = Some(tag);
        while let Some(tag) = current {
            if tag == ancestor {
                return true;
            }
            current = self.get(tag).and_then(|f| f.parent.as_deref());
        }
        false
    }

    /// The tags of the folder tagged `tag` and of every folder under it.
    pub fn subtree(&self, tag: &str) -> Vec<String> {
        self.list
            .iter()
            .filter(|f| self.within(&f.tag, tag))
            .map(|f| f.tag.clone())
            .collect()
    }

    /// The folders removed for good, in the order of their removal.
    pub fn removed(&self) -> &[Removal] {
        &self.removed
    }

    /// Adds a folder named `name` in the folder tagged `parent` at change `change`; its tag.
    pub(super) fn add(&mut self, parent: &str, name: &str, hidden: bool, change: u64) -> String {
        let number = self.next;
        self.next += 1;
        let tag = format!("folder-{number}");
        self.list.push(Folder {
            number,
            tag: tag.clone(),
            name: name.to_owned(),
            parent: Some(parent.to_owned()),
            hidden,
            well_known: false,
            created: change,
            changed: change,
        });
        tag
    }

    /// The folder tagged `tag`, to change it.
    pub(super) fn get_mut(&mut self, tag: &str) -> Option<&mut Folder> {
        self.list.iter_mut().find(|f| f.tag == tag)
    }

    /// Removes the folders tagged `tags` for good at change `change`.
    pub(super) fn remove(&mut self, tags: &[String], change: u64) {
        let (gone, kept): (Vec<Folder>, Vec<Folder>) = std::mem::take(&mut self.list)
            .into_iter()
            .partition(|f| tags.contains(&f.tag));
        self.list = kept;
        self.removed.extend(gone.into_iter().map(|f| Removal {
            number: change,
            folder: f.number,
            created: f.created,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_nest_and_number_new_folders() {
        let mut folders = Folders::new(vec![
            Folder::initial(0, "root", "Root", None),
            Folder::initial(1, "inbox", "Inbox", Some("root")),
        ]);
        let a = folders.add("inbox", "A", false, 5);
        let b = folders.add(&a, "B", false, 6);
        assert_eq!((a.as_str(), b.as_str()), ("folder-2", "folder-3"));
        assert!(folders.within(&b, "inbox") && folders.within(&b, &b));
        assert!(!folders.within("inbox", &a));
        assert_eq!(folders.subtree(&a), [a.clone(), b.clone()]);
        assert_eq!(folders.children("inbox").count(), 1);
        folders.remove(&folders.subtree(&a), 7);
        assert!(folders.get(&b).is_none());
        assert_eq!(folders.removed().len(), 2);
        assert_eq!(
            folders.add("inbox", "C", false, 8),
            "folder-4",
            "numbers stay used"
        );
    }
}
